import { purgeExpiredKeys } from "../../db/queries/idempotency.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { loggable } from "../lib/log-error.ts";
import { resealSecrets } from "../lib/reseal.ts";
import { repeatWithin } from "./budget.ts";
import { dispatchDueCallbacks, recoverSilentCallbacks } from "./calls.ts";
import { sendDueDeliveries, sweepOutbox } from "./webhooks.ts";

// Runs every minute (wrangler.toml). Each job is independent: one failing does not stop others.
const jobs: Record<string, (env: Env) => Promise<void>> = {
  // Up to 20 steps of 1,000, a subrequest each: 20k keys a run, more than a day's worth.
  "purge expired idempotency keys": async (env) => {
    const db = httpDb(env);
    await repeatWithin({ steps: 20, seconds: 15 }, async () => {
      const moved = await purgeExpiredKeys(db, 1000);
      return { moved, full: moved === 1000 };
    });
  },
  "send outbox events the fast path missed": async (env) => {
    await sweepOutbox(env);
  },
  "send due webhook deliveries": async (env) => {
    await sendDueDeliveries(env);
  },
  "hand due callbacks to the dialler": async (env) => {
    if (env.DIALLER_ENABLED) await dispatchDueCallbacks(env);
  },
  "recover callbacks whose call went silent": async (env) => {
    if (env.DIALLER_ENABLED) await recoverSilentCallbacks(env);
  },
  // After SECRETS_KEYS gains a new current key: webhook and agent secrets sealed under an older
  // one (or stored before sealing) are sealed under the new one, a page a minute.
  "seal webhook secrets under the current key": async (env) => {
    const report = await resealSecrets(httpDb(env), env.SECRETS_KEYS, { limit: 200 });
    for (const u of report.unreadable) console.error(`cron: ${u.column} of ${u.id} does not open: ${u.reason}`);
  },
};

export async function runCron(env: Env): Promise<void> {
  const results = await Promise.allSettled(Object.values(jobs).map((job) => job(env)));
  const names = Object.keys(jobs);
  results.forEach((result, i) => {
    if (result.status === "rejected") console.error(`cron: ${names[i]} failed`, loggable(result.reason));
  });
}
