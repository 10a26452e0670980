import { dueCallbacks, silentCallbacks, type DueCursor } from "../../db/queries/call-attempts.ts";
import { repeatWithin, type Budget } from "./budget.ts";
import { recoverSilentCallback } from "../calls/recover.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { loggable } from "../lib/log-error.ts";

/**
 * Up to 10 pages of 500 a run, 6 subrequests each (the page, five sendBatch calls of 100): 60 at
 * most (functions/cron/budget.ts). 5,000 a minute is more than any workspace's agents can take.
 */
export const dispatchBudget: Budget = { steps: 10, seconds: 15 };

/**
 * The durable path: every minute, callbacks that are due and not being dialled go to the `calls`
 * queue. It catches what the fast path (dialling right after intake) and delayed queue messages
 * missed, and callbacks further out than the queue's 12-hour delay. Each page starts after the
 * last, so a run never sends one twice; across runs a repeat is harmless (the dialler's claim).
 */
export async function dispatchDueCallbacks(env: Env, budget: Budget = dispatchBudget): Promise<number> {
  const db = httpDb(env);
  let after: DueCursor | undefined;
  return repeatWithin(budget, async () => {
    const page = await dueCallbacks(db, 500, after);
    for (let i = 0; i < page.ids.length; i += 100) {
      await env.CALLS.sendBatch(page.ids.slice(i, i + 100).map((id) => ({ body: { callback_id: id }, contentType: "json" as const })));
    }
    after = page.next ?? undefined;
    return { moved: page.ids.length, full: page.next !== null };
  });
}

/**
 * Callbacks whose call went silent for a quarter of an hour (a dialler that died after its claim,
 * a status that never came, a crash between a call's status and the callback's completion) would
 * stay in dialing or connected for ever: each is brought in line with how its call really went
 * (functions/calls/recover.ts), four at a time, and none started after 40 s, so a slow Twilio
 * does not stretch one run into the next. One failing does not stop the others; each one looked
 * at and left in play is not looked at again for a quarter of an hour.
 */
export async function recoverSilentCallbacks(env: Env): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise) };
  const ids = await silentCallbacks(httpDb(env), 100);
  const stopAt = Date.now() + 40_000;
  const runners = Array.from({ length: 4 }, async () => {
    for (let id = ids.shift(); id !== undefined && Date.now() < stopAt; id = ids.shift()) {
      await recoverSilentCallback(env, ctx, id).catch((err) => console.error(`cron: recovering callback ${id} failed; trying again next run`, loggable(err)));
    }
  });
  await Promise.all(runners);
  await Promise.allSettled(pending);
}
