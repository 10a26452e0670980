import { dueCallbacks, silentCallbacks } from "../../db/queries/call-attempts.ts";
import { retryOrEnd } from "../calls/status.ts";
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
 * Callbacks whose call went silent (a dialler that died after its claim, a final status that
 * never came) would stay in dialing or connected for ever: their attempt is counted as missed,
 * and they retry or end like any other.
 */
export async function recoverSilentCallbacks(env: Env): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise) };
  for (const id of await silentCallbacks(httpDb(env), 100)) await retryOrEnd(env, ctx, id);
  await Promise.allSettled(pending);
}
