import { claimUnfannedEvents, markEnqueued, releaseClaims } from "../../db/queries/events.ts";
import { claimDueDeliveries, claimParkedBacklogs, claimProbes } from "../../db/queries/webhook-deliveries.ts";
import type { DueDelivery } from "../../db/queries/webhook-work.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import type { WebhookMessage } from "../lib/outbox.ts";

// The outbox's safety nets, run every minute by the cron.

const perRun = 1000;

/**
 * Events not fanned out into their deliveries: never sent (the fast path failed or never ran),
 * or sent and lost, dead-lettered or dropped by a consumer that died, once their lease is over.
 */
export async function sweepOutbox(env: Env): Promise<number> {
  const db = httpDb(env);
  const ids = await claimUnfannedEvents(db, perRun);
  try {
    await sendAll(env, ids.map((id) => ({ event_id: id })));
  } catch (err) {
    await releaseClaims(db, ids);
    throw err;
  }
  await markEnqueued(db, ids);
  return ids.length;
}

/**
 * Deliveries whose next_attempt_at has come (waits too long for the queue, and any it lost), one
 * probe per paused endpoint whose pause is over, and a hundred of each backlog no pause holds.
 */
export async function sendDueDeliveries(env: Env): Promise<number> {
  const db = httpDb(env);
  const due = [...(await claimDueDeliveries(db, perRun)), ...(await claimProbes(db, perRun)), ...(await claimParkedBacklogs(db, 100))];
  // A failed send leaves the claim to lapse: the rows come due again after the watchdog period.
  await sendAll(env, due.map(messageOf));
  return due.length;
}

const messageOf = (d: DueDelivery): WebhookMessage => ({ event_id: d.event_id, delivery_id: d.id, attempt: d.attempt_count });

async function sendAll(env: Env, bodies: WebhookMessage[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 100) {
    await env.WEBHOOKS.sendBatch(bodies.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}
