import { dueCallbacks, silentCallbacks } from "../../db/queries/call-attempts.ts";
import { recoverSilentCallback } from "../calls/recover.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../lib/db.ts";

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
 * (functions/calls/recover.ts). One failing does not stop the others.
 */
export async function recoverSilentCallbacks(env: Env): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise) };
  for (const id of await silentCallbacks(httpDb(env), 100)) {
    await recoverSilentCallback(env, ctx, id).catch((err) => console.error(`cron: recovering callback ${id} failed; trying again next run`, err));
  }
  await Promise.allSettled(pending);
}
