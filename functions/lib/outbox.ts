import { z } from "zod";
import { markEnqueued } from "../../db/queries/events.ts";
import type { events } from "../../db/schema/index.ts";
import { eventPayloads } from "../../schemas/event-payloads.ts";
import type { EventEnvelope, EventType } from "../../schemas/events.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { newId } from "../../schemas/ids.ts";
import { loggable } from "./log-error.ts";
import type { Mode } from "../../schemas/scopes.ts";

// The outbox. The statement that makes a change writes its events too (a resource's data built by
// db/queries/resources.ts), so both commit together; after the commit the handler hands them to
// publishAfterCommit(). What those SQL producers write is checked against the payload schemas by
// test/worker/event-producers.test.ts; an event built here instead, with newEvent(), is checked
// as it is made. An event is done only when the consumer has fanned it out into its delivery
// rows: until then the cron sweeper sends it again once its lease is over, whether the process
// died before sending, or the queue lost, dead-lettered or never delivered the message. No event
// depends on the queue.

export type EventRow = typeof events.$inferInsert & { id: string; createdAt: Date };

/** An outbox row. `data` must match the type's payload schema (schemas/event-payloads.ts). */
export function newEvent(owner: { workspaceId: string; mode: Mode }, type: EventType, data: Record<string, unknown>): EventRow {
  eventPayloads[type].schema.parse(data);
  const createdAt = new Date();
  return { id: newId("event", createdAt.getTime()), workspaceId: owner.workspaceId, mode: owner.mode, type, data, createdAt };
}

/**
 * The body of a message on the webhook queues. `{event_id}` alone fans the event out to its
 * subscribers; with `delivery_id` it is one delivery's retry, replay or cron pick-up, and
 * `attempt` the delivery's attempt count when it was sent, so a late duplicate of a message
 * whose attempt was made already is not a second one.
 */
export const WebhookMessage = z.strictObject({
  event_id: z.string().regex(/^evt_[0-9a-z]{26}$/),
  delivery_id: z
    .string()
    .regex(/^whd_[0-9a-z]{26}$/)
    .optional(),
  attempt: z.number().int().min(0).optional(),
});
export type WebhookMessage = z.infer<typeof WebhookMessage>;

/** Sends events to the webhooks queue and starts their lease. */
export async function enqueue(env: Env, rows: { id: string }[]): Promise<void> {
  if (rows.length === 0) return;
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    await env.WEBHOOKS.sendBatch(chunk.map((row) => ({ body: { event_id: row.id } satisfies WebhookMessage, contentType: "json" as const })));
  }
  await markEnqueued(httpDb(env), rows.map((row) => row.id));
}

/** The fast path: straight to the queue once the batch that wrote the events has committed. */
export function publishAfterCommit(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, rows: { id: string }[]): void {
  ctx.waitUntil(
    enqueue(env, rows).catch((err) => {
      console.error(`outbox: enqueueing ${rows.length} event(s) failed; the sweeper will send them`, loggable(err));
    }),
  );
}

/** The envelope every endpoint receives: `{"id","event","created_at","data"}`. */
export function envelopeOf(row: { id: string; type: string; createdAt: Date; data: Record<string, unknown> }): EventEnvelope {
  return { id: row.id, event: row.type as EventType, created_at: row.createdAt.toISOString(), data: row.data };
}

/**
 * Queues deliveries made ready again (a replay). They are committed before this runs; if the
 * send fails, their deadline (next_attempt_at) brings the cron, so a failure here is only logged.
 */
export async function queueDeliveries(env: Env, deliveries: { id: string; eventId: string }[]): Promise<void> {
  const messages = deliveries.map((d) => ({ body: { event_id: d.eventId, delivery_id: d.id, attempt: 0 } satisfies WebhookMessage, contentType: "json" as const }));
  for (let i = 0; i < messages.length; i += 100) {
    await env.WEBHOOKS.sendBatch(messages.slice(i, i + 100)).catch((err) => console.error("replay: queueing failed; the cron will send it", loggable(err)));
  }
}
