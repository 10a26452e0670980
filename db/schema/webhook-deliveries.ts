import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, text, uniqueIndex } from "drizzle-orm/pg-core";
import { agents } from "./agents.ts";
import { at, createdAt, parentRef, updatedAt } from "./columns.ts";
import { events } from "./events.ts";
import { ownedTable } from "./owned.ts";
import { webhookEndpoints } from "./webhook-endpoints.ts";

// The consumer's claim says "not finished" as NOT IN ('succeeded', 'failed') (db/queries/webhook-work.ts,
// why there): a status added here must be added there too, or it will be claimed and sent.
export const deliveryStatus = pgEnum("delivery_status", ["pending", "succeeded", "failed"]);

export type DeliveryAttempt = {
  at: string;
  status_code: number | null;
  latency_ms: number;
  response_body: string | null; // first 4 KB
  error: string | null;
};

// One row per (event, receiver): a webhook endpoint, or an agent's post-call URL. Its id is the
// `webhook-id` header, so a duplicate queue message re-sends with the same id.
export const webhookDeliveries = ownedTable(
  "webhook_deliveries",
  {
    eventId: parentRef("event_id", () => events.id),
    endpointId: text("endpoint_id").references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    agentId: text("agent_id").references(() => agents.id, { onDelete: "cascade" }),
    status: deliveryStatus("status").notNull().default("pending"),
    // Attempts in the current run: the retry schedule's position. A replay starts a new run;
    // `attempts` keeps every attempt of every run.
    attemptCount: integer("attempt_count").notNull().default(0),
    attempts: jsonb("attempts").$type<DeliveryAttempt[]>().notNull().default([]),
    // Set on every pending delivery but a parked one: when the cron must send it if nothing else
    // has. For waits over 12 h it is the due time; for a queue-held retry or an attempt in flight
    // it is a deadline past which the queue is presumed to have lost the message. Null on a
    // pending delivery: parked, waiting for its paused endpoint to answer again.
    nextAttemptAt: at("next_attempt_at"),
    // An attempt in flight: another consumer (a duplicate message, the cron, a replay) leaves the
    // delivery alone until this passes, so one delivery is not sent twice at once. The token is
    // the holder's: its writes count only while it still holds the lease.
    leasedUntil: at("leased_until"),
    leaseToken: text("lease_token"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_idx")
      .on(t.eventId, t.endpointId)
      .where(sql`${t.endpointId} IS NOT NULL`),
    uniqueIndex("webhook_deliveries_agent_idx")
      .on(t.eventId, t.agentId)
      .where(sql`${t.agentId} IS NOT NULL`),
    index("webhook_deliveries_list_idx").on(t.workspaceId, t.mode, t.id),
    // GET /v1/webhook_deliveries?status=, and ?endpoint_id= with the endpoint first, so deleting an
    // endpoint finds its deliveries (the cascade) and another workspace's endpoint id reads nothing.
    index("webhook_deliveries_status_idx").on(t.workspaceId, t.mode, t.status, t.id),
    index("webhook_deliveries_by_endpoint_idx")
      .on(t.endpointId, t.workspaceId, t.mode, t.id)
      .where(sql`${t.endpointId} IS NOT NULL`),
    // An agent's deletion cascades to its post-call deliveries.
    index("webhook_deliveries_by_agent_idx").on(t.agentId).where(sql`${t.agentId} IS NOT NULL`),
    index("webhook_deliveries_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending' AND ${t.nextAttemptAt} IS NOT NULL`),
    // A paused endpoint's parked deliveries: its probe, and the backlog released when it answers.
    index("webhook_deliveries_endpoint_due_idx")
      .on(t.endpointId, t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    // The consumer's fan-out claim (a batch's own deliveries), and the cascade when an event goes.
    index("webhook_deliveries_event_idx").on(t.eventId),
  ],
);
