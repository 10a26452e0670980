import { dueCallbacks, silentCallbacks } from "../../db/queries/call-attempts.ts";
import { recoverSilentCallback } from "../calls/recover.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { loggable } from "../lib/log-error.ts";

/**
 * The durable path: every minute, callbacks that are due and not being dialled go to the `calls`
 * queue. It catches what the fast path (dialling right after intake) and delayed queue messages
 * missed, and callbacks further out than the queue's 12-hour delay.
 */
export async function dispatchDueCallbacks(env: Env): Promise<void> {
  const ids = await dueCallbacks(httpDb(env), 500);
  for (let i = 0; i < ids.length; i += 100) {
    await env.CALLS.sendBatch(ids.slice(i, i + 100).map((id) => ({ body: { callback_id: id }, contentType: "json" as const })));
  }
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
