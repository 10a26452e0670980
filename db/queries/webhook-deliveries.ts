import { and, desc, eq, isNotNull, lt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { newId } from "../../schemas/ids.ts";
import { events, webhookDeliveries } from "../schema/index.ts";
import type { Owner } from "./webhook-endpoints.ts";
import { loadFanout, releasedPerSuccess, watchdog, type DueDelivery } from "./webhook-work.ts";

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

/** One delivery of the caller's, with its event's type. */
export async function findDelivery(db: Db, owner: Owner, id: string): Promise<DeliveryRow | null> {
  const rows = await db
    .select({ delivery: webhookDeliveries, eventType: events.type })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.workspaceId, owner.workspaceId), eq(webhookDeliveries.mode, owner.mode)))
    .limit(1);
  const row = rows[0];
  return row ? { ...row.delivery, eventType: row.eventType } : null;
}

/**
 * Starts a fresh run of attempts for up to `limit` failed deliveries made since `since` (to one
 * endpoint, or to every enabled endpoint and agent), oldest first, in one statement; a disabled
 * endpoint's are left failed. Returns them, and whether more are left for another call.
 */
export async function replayFailedSince(db: Db, owner: Owner, filter: { since: string; endpointId?: string }, limit: number) {
  const { rows } = await db.execute<{ id: string; event_id: string; endpoint_id: string | null; agent_id: string | null }>(sql`
    WITH chosen AS (
      SELECT d.id FROM webhook_deliveries d
      LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.workspace_id = ${owner.workspaceId} AND d.mode = ${owner.mode}::mode AND d.status = 'failed'
        AND d.created_at >= ${filter.since}::timestamptz
        AND (d.agent_id IS NOT NULL OR e.enabled)
        ${filter.endpointId ? sql`AND d.endpoint_id = ${filter.endpointId}` : sql``}
      ORDER BY d.id LIMIT ${limit + 1}
      FOR UPDATE OF d SKIP LOCKED
    ), replayed AS (
      UPDATE webhook_deliveries d SET status = 'pending', attempt_count = 0, next_attempt_at = ${watchdog},
        leased_until = NULL, lease_token = NULL, updated_at = now()
      WHERE d.id IN (SELECT id FROM chosen ORDER BY id LIMIT ${limit})
      RETURNING d.id, d.event_id, d.endpoint_id, d.agent_id
    )
    SELECT replayed.*, (SELECT count(*) FROM chosen) > ${limit} AS more FROM replayed ORDER BY id`);
  const more = rows.some((r) => (r as { more?: boolean }).more);
  return { deliveries: rows.map(({ id, event_id, endpoint_id, agent_id }) => ({ id, eventId: event_id, endpointId: endpoint_id, agentId: agent_id })), more };
}

/**
 * A test event and its one delivery, to one endpoint, committed together. The event is written
 * as already fanned out: it goes to the endpoint asked for, never to every subscriber of "*".
 */
export async function insertTestDelivery(db: Db, event: typeof events.$inferInsert, endpointId: string) {
  const delivery = { id: newId("webhookDelivery"), workspaceId: event.workspaceId, mode: event.mode, eventId: event.id, endpointId, nextAttemptAt: watchdog };
  await db.batch([db.insert(events).values({ ...event, fannedOutAt: sql`now()` }), db.insert(webhookDeliveries).values(delivery)]);
  return { id: delivery.id, eventId: event.id };
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
  // An attempt under way loses its lease: its result is not written over the replay's.
  const reset = { status: "pending" as const, attemptCount: 0, nextAttemptAt: watchdog, leasedUntil: null, leaseToken: null, updatedAt: sql`now()` };
  const base = { workspaceId: event.workspaceId, mode: event.mode, eventId: event.id, nextAttemptAt: watchdog };
  const endpointIds = targets.flatMap((t) => ("endpointId" in t ? [t.endpointId] : []));
  const agentIds = targets.flatMap((t) => ("agentId" in t ? [t.agentId] : []));
  const returning = { id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId, agentId: webhookDeliveries.agentId };
  // A receiver is an endpoint or an agent: each kind has its own unique index to meet a conflict on.
  const upsert = (receiver: "endpointId" | "agentId", ids: string[]) =>
    db
      .insert(webhookDeliveries)
      .values(ids.map((receiverId) => ({ ...base, id: newId("webhookDelivery"), [receiver]: receiverId })))
      .onConflictDoUpdate({
        target: [webhookDeliveries.eventId, webhookDeliveries[receiver]],
        targetWhere: isNotNull(webhookDeliveries[receiver]),
        set: reset,
      })
      .returning(returning);
  const statements = [];
  if (endpointIds.length > 0) statements.push(upsert("endpointId", endpointIds));
  if (agentIds.length > 0) statements.push(upsert("agentId", agentIds));
  const [first, ...rest] = statements;
  // Each target names an endpoint or an agent, so there is a statement for one kind at least.
  if (!first) throw new Error("prepareReplay: the targets named no endpoint and no agent");
  const results = await db.batch([first, ...rest]);
  return results.flat();
}

// ---- the cron ----

/**
 * Pending deliveries whose next_attempt_at has passed: long waits that are due, and any the queue
 * lost. Claimed in one statement (locked, skipping rows another run holds) by moving
 * next_attempt_at on by the watchdog period, so a claim whose message never arrives comes due
 * again. Parked deliveries have no next_attempt_at: the due index does not hold them, and a
 * paused endpoint's backlog costs the cron nothing, however large. The rows are updated by their
 * ctid, locked by this statement: as `id IN (…)` the planner could join the chosen rows to the
 * whole table, a scan of every delivery ever made.
 */
export async function claimDueDeliveries(db: Db, limit: number): Promise<DueDelivery[]> {
  const { rows } = await db.execute<DueDelivery>(sql`
    UPDATE webhook_deliveries SET next_attempt_at = ${watchdog}, updated_at = now()
    WHERE ctid = ANY (ARRAY(
      SELECT ctid FROM webhook_deliveries
      WHERE status = 'pending' AND next_attempt_at IS NOT NULL AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ))
    AND next_attempt_at <= now()
    RETURNING id, event_id, attempt_count`);
  return rows;
}

/**
 * Paused endpoints with a parked backlog whose pause is over: each sends one parked delivery as
 * its probe. The endpoint stays paused for the watchdog period meanwhile, its other deliveries
 * parked, so one attempt decides: success lets the backlog go, failure pauses it again
 * (webhook-work.ts). A probe whose message is lost is replaced when the watchdog period ends. An
 * endpoint marked as having a backlog that has none left is unmarked.
 */
export async function claimProbes(db: Db, limit: number): Promise<DueDelivery[]> {
  const [probes] = await db.batch([
    db.execute<DueDelivery>(sql`
      WITH due AS (
        SELECT e.id AS endpoint_id, p.id AS delivery_id
        FROM webhook_endpoints e
        CROSS JOIN LATERAL (
          SELECT d.id FROM webhook_deliveries d
          WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at IS NULL
          LIMIT 1
        ) p
        WHERE e.has_parked AND e.paused_until <= now() AND e.enabled
        LIMIT ${limit}
        FOR UPDATE OF e SKIP LOCKED
      ), probing AS (
        UPDATE webhook_endpoints e SET paused_until = ${watchdog}, probe_delivery_id = due.delivery_id
        FROM due WHERE e.id = due.endpoint_id
      )
      UPDATE webhook_deliveries d SET next_attempt_at = ${watchdog}, updated_at = now()
      FROM due WHERE d.id = due.delivery_id
      RETURNING d.id, d.event_id, d.attempt_count`),
    db.execute(sql`
      UPDATE webhook_endpoints e SET has_parked = false
      WHERE e.has_parked AND e.paused_until <= now()
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at IS NULL)`),
  ]);
  return probes.rows;
}

/**
 * Endpoints with a parked backlog that are no longer paused (a success ended the pause but the
 * backlog it let go stopped short, a new URL, a manual enable) or are disabled: up to a hundred of
 * each one's parked deliveries go each minute, for the consumer to send (or refuse). An endpoint
 * left with none is unmarked.
 */
export async function claimParkedBacklogs(db: Db, endpoints: number): Promise<DueDelivery[]> {
  const { rows } = await db.execute<DueDelivery>(sql`
    WITH picked AS (
      SELECT e.id FROM webhook_endpoints e
      WHERE e.has_parked AND (e.paused_until IS NULL OR NOT e.enabled)
      LIMIT ${endpoints}
      FOR UPDATE SKIP LOCKED
    ), freed AS (
      UPDATE webhook_deliveries d SET next_attempt_at = ${watchdog}, updated_at = now()
      FROM (
        SELECT q.id FROM picked
        CROSS JOIN LATERAL (
          SELECT p.id FROM webhook_deliveries p
          WHERE p.endpoint_id = picked.id AND p.status = 'pending' AND p.next_attempt_at IS NULL
          LIMIT ${releasedPerSuccess}
        ) q
      ) f
      WHERE d.id = f.id
      RETURNING d.id, d.event_id, d.attempt_count, d.endpoint_id
    ), unmarked AS (
      UPDATE webhook_endpoints e SET has_parked = false
      FROM picked WHERE e.id = picked.id AND (SELECT count(*) FROM freed WHERE freed.endpoint_id = picked.id) < ${releasedPerSuccess}
    )
    SELECT id, event_id, attempt_count FROM freed`);
  return rows;
}
