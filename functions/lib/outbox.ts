import { inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { events } from "../../db/schema/index.ts";
import type { EventType } from "../../schemas/events.ts";
import type { Env } from "../env.ts";
import { httpDb } from "./db.ts";
import { newId } from "./ids.ts";
import type { Mode } from "./keys.ts";

// The outbox. A handler builds its events with newEvent(), inserts them in the same db.batch as
// the change they describe, and after the commit hands them to publishAfterCommit(). If the
// process dies in between, the rows are still there with enqueued_at null, and the cron sweeper
// sends them; the queue is never fed from waitUntil alone.

export type EventRow = typeof events.$inferInsert & { id: string; createdAt: Date };

export function newEvent(owner: { workspaceId: string; mode: Mode }, type: EventType, data: Record<string, unknown>): EventRow {
  const createdAt = new Date();
  return { id: newId("event", createdAt.getTime()), workspaceId: owner.workspaceId, mode: owner.mode, type, data, createdAt };
}

/** The body of a message on the `webhooks` queue. */
export const WebhookMessage = z.object({ event_id: z.string().min(1) });
export type WebhookMessage = z.infer<typeof WebhookMessage>;

/** Sends events to the webhooks queue and marks them sent. */
export async function enqueue(env: Env, rows: { id: string }[]): Promise<void> {
  if (rows.length === 0) return;
  const messages = rows.map((row) => ({ body: { event_id: row.id } satisfies WebhookMessage, contentType: "json" as const }));
  await env.WEBHOOKS.sendBatch(messages);
  await httpDb(env)
    .update(events)
    .set({ enqueuedAt: sql`now()` })
    .where(inArray(events.id, rows.map((row) => row.id)));
}

/** The fast path: straight to the queue once the batch that wrote the events has committed. */
export function publishAfterCommit(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, rows: { id: string }[]): void {
  ctx.waitUntil(
    enqueue(env, rows).catch((err) => {
      console.error(`outbox: enqueueing ${rows.length} event(s) failed; the sweeper will send them`, err);
    }),
  );
}
