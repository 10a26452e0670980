import { and, desc, eq, isNotNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../functions/lib/db.ts";
import { newId } from "../../functions/lib/ids.ts";
import { events, webhookDeliveries } from "../schema/index.ts";
import type { Owner } from "./webhook-endpoints.ts";
import { loadFanout, watchdog } from "./webhook-work.ts";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect & { eventType: string };

export type { WorkItem } from "./webhook-work.ts";

// ---- the API ----

export async function listDeliveries(
  db: Db,
  owner: Owner,
  query: { endpointId?: string; eventId?: string; status?: "pending" | "succeeded" | "failed"; limit: number; startingAfter?: string },
): Promise<DeliveryRow[]> {
  const rows = await db
    .select({ delivery: webhookDeliveries, eventType: events.type })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.workspaceId, owner.workspaceId),
        eq(webhookDeliveries.mode, owner.mode),
        query.endpointId ? eq(webhookDeliveries.endpointId, query.endpointId) : undefined,
        query.eventId ? eq(webhookDeliveries.eventId, query.eventId) : undefined,
        query.status ? eq(webhookDeliveries.status, query.status) : undefined,
        query.startingAfter ? lt(webhookDeliveries.id, query.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(query.limit + 1);
  return rows.map((row) => ({ ...row.delivery, eventType: row.eventType }));
}

export type ReplayTarget = { endpointId: string } | { agentId: string };

/** Who a replay to "all" reaches: the enabled endpoints subscribed now and, for post_call, the agent. */
export async function replayTargets(db: Db, event: typeof events.$inferSelect): Promise<ReplayTarget[]> {
  const { endpointPairs, agentPairs } = await loadFanout(db, [event.id]);
  return [...endpointPairs.map((p) => ({ endpointId: p.endpointId })), ...agentPairs.map((p) => ({ agentId: p.agentId }))];
}

/**
 * Queues an event again for each target: the existing delivery row is reset to pending with a
 * fresh run of attempts (so it keeps its id, the webhook-id), or a row is made for a target that
 * never had one. Returns the deliveries, for the caller to put on the queue.
 */
export async function prepareReplay(db: Db, event: { id: string; workspaceId: string; mode: Owner["mode"] }, targets: ReplayTarget[]) {
  if (targets.length === 0) return [];
  const reset = { status: "pending" as const, attemptCount: 0, nextAttemptAt: watchdog, updatedAt: sql`now()` };
  const base = { workspaceId: event.workspaceId, mode: event.mode, eventId: event.id, nextAttemptAt: watchdog };
  const endpointIds = targets.flatMap((t) => ("endpointId" in t ? [t.endpointId] : []));
  const agentIds = targets.flatMap((t) => ("agentId" in t ? [t.agentId] : []));
  const returning = { id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId, agentId: webhookDeliveries.agentId };
  const statements = [];
  if (endpointIds.length > 0) {
    statements.push(
      db
        .insert(webhookDeliveries)
        .values(endpointIds.map((endpointId) => ({ ...base, id: newId("webhookDelivery"), endpointId })))
        .onConflictDoUpdate({
          target: [webhookDeliveries.eventId, webhookDeliveries.endpointId],
          targetWhere: isNotNull(webhookDeliveries.endpointId),
          set: reset,
        })
        .returning(returning),
    );
  }
  if (agentIds.length > 0) {
    statements.push(
      db
        .insert(webhookDeliveries)
        .values(agentIds.map((agentId) => ({ ...base, id: newId("webhookDelivery"), agentId })))
        .onConflictDoUpdate({
          target: [webhookDeliveries.eventId, webhookDeliveries.agentId],
          targetWhere: isNotNull(webhookDeliveries.agentId),
          set: reset,
        })
        .returning(returning),
    );
  }
  const [first, ...rest] = statements;
  const results = await db.batch([first!, ...rest]);
  return results.flat();
}

// ---- the cron ----

/**
 * Pending deliveries whose next_attempt_at has passed: long waits that are due, and any the queue
 * lost. Claimed in one statement (locked, skipping rows another run holds) by moving
 * next_attempt_at on by the watchdog period, so a claim whose message never arrives comes due again.
 *
 * A paused endpoint's backlog is not due while the pause lasts; once it ends, one delivery goes
 * first as a probe (its oldest). Its success lifts the pause and the next run sends the rest; its
 * failure pauses the endpoint again, for longer. So a dead endpoint costs one attempt per pause,
 * whatever its backlog.
 */
export async function claimDueDeliveries(db: Db, limit: number): Promise<{ id: string; event_id: string }[]> {
  const { rows } = await db.execute<{ id: string; event_id: string }>(sql`
    UPDATE webhook_deliveries SET next_attempt_at = ${watchdog}, updated_at = now()
    WHERE id IN (
      SELECT d.id FROM webhook_deliveries d
      LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.status = 'pending' AND d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= now()
        AND (e.paused_until IS NULL OR (
          e.paused_until <= now()
          -- the probe: its oldest due delivery,
          AND d.id = (
            SELECT p.id FROM webhook_deliveries p
            WHERE p.endpoint_id = e.id AND p.status = 'pending' AND p.next_attempt_at <= now()
            ORDER BY p.next_attempt_at, p.id LIMIT 1)
          -- unless one is already under way: claimed since the pause ended, and not yet lapsed.
          AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries f
            WHERE f.endpoint_id = e.id AND f.status = 'pending' AND f.next_attempt_at > now() AND f.updated_at > e.paused_until)))
      ORDER BY d.next_attempt_at
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    )
    AND next_attempt_at <= now()
    RETURNING id, event_id`);
  return rows;
}
