import { and, desc, eq, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../functions/lib/db.ts";
import { newId } from "../../functions/lib/ids.ts";
import { agents, events, webhookDeliveries, webhookEndpoints, type DeliveryAttempt } from "../schema/index.ts";
import { insertDeadLetters, type DeadLetter } from "./dead-letters.ts";
import type { Owner } from "./webhook-endpoints.ts";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect & { eventType: string };

/** How long a pending delivery may sit without news before the cron sends it again. */
export const watchdogMinutes = 15;
const watchdog = sql`now() + make_interval(mins => ${watchdogMinutes})`;

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

// ---- the consumer ----

/** The events behind a batch of messages, and each one's subscribers: endpoints and, for post_call, the agent. */
export async function loadFanout(db: Db, eventIds: string[]) {
  const subscribed = sql`(${webhookEndpoints.events} @> ARRAY['*']::text[] OR ${events.type} = ANY(${webhookEndpoints.events}))`;
  const [found, endpointPairs, agentPairs] = await db.batch([
    db.select().from(events).where(inArray(events.id, eventIds)),
    db
      .select({ eventId: events.id, endpointId: webhookEndpoints.id })
      .from(events)
      .innerJoin(
        webhookEndpoints,
        and(
          eq(webhookEndpoints.workspaceId, events.workspaceId),
          eq(webhookEndpoints.mode, events.mode),
          eq(webhookEndpoints.enabled, true),
          subscribed,
        ),
      )
      .where(inArray(events.id, eventIds)),
    db
      .select({ eventId: events.id, agentId: agents.id })
      .from(events)
      .innerJoin(
        agents,
        and(
          eq(agents.id, sql`${events.data}->>'agent_id'`),
          eq(agents.workspaceId, events.workspaceId),
          eq(agents.mode, events.mode),
          isNotNull(agents.webhookUrl),
          isNotNull(agents.webhookSecret),
        ),
      )
      .where(and(inArray(events.id, eventIds), eq(events.type, "post_call"))),
  ]);
  return { events: found, endpointPairs, agentPairs };
}

/** One delivery row per (event, receiver); rows that exist already are left as they are. */
export async function ensureDeliveries(
  db: Db,
  rows: { eventId: string; workspaceId: string; mode: Owner["mode"]; endpointId?: string; agentId?: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(webhookDeliveries)
    .values(rows.map((row) => ({ ...row, id: newId("webhookDelivery"), nextAttemptAt: watchdog })))
    .onConflictDoNothing();
}

/**
 * The deliveries to attempt now, with what is needed to send them: fresh deliveries of fanned-out
 * events (a repeated fan-out does not jump a delivery's retry schedule), and the named ones.
 */
export async function loadWork(db: Db, fanoutEventIds: string[], deliveryIds: string[]) {
  const fresh = fanoutEventIds.length > 0 ? and(inArray(webhookDeliveries.eventId, fanoutEventIds), eq(webhookDeliveries.attemptCount, 0)) : undefined;
  const named = deliveryIds.length > 0 ? inArray(webhookDeliveries.id, deliveryIds) : undefined;
  if (!fresh && !named) return [];
  return db
    .select({
      delivery: webhookDeliveries,
      event: events,
      endpoint: webhookEndpoints,
      agent: { id: agents.id, webhookUrl: agents.webhookUrl, webhookSecret: agents.webhookSecret },
    })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .leftJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .leftJoin(agents, eq(agents.id, webhookDeliveries.agentId))
    .where(and(eq(webhookDeliveries.status, "pending"), or(fresh, named)));
}

export type WorkItem = Awaited<ReturnType<typeof loadWork>>[number];

export type Recorded = {
  deliveryId: string;
  attempt: DeliveryAttempt | null; // null: not attempted (e.g. its endpoint is disabled)
  status: "pending" | "succeeded" | "failed";
  // For a pending delivery: seconds until the cron must send it (the due time for long waits,
  // a deadline past the queue's own retry otherwise).
  cronAfterSeconds: number | null;
};

export type EndpointHealth = { endpointId: string; healthy: boolean; disable: string | null };

/**
 * Writes a batch's attempts, what they taught about the endpoints, and the batch's dead letters:
 * one round trip, one transaction.
 */
export async function recordAttempts(db: Db, recorded: Recorded[], health: EndpointHealth[], letters: DeadLetter[]): Promise<void> {
  const rows = recorded.map((r) => ({ id: r.deliveryId, status: r.status, attempt: r.attempt, cron_after: r.cronAfterSeconds }));
  const statements = [
    // All of a batch's deliveries in one statement: the rows travel as one JSON parameter.
    ...(rows.length > 0
      ? [
          db.execute(sql`
            UPDATE webhook_deliveries AS d SET
              status = r.status::delivery_status,
              attempt_count = d.attempt_count + CASE WHEN r.attempt IS NULL THEN 0 ELSE 1 END,
              attempts = CASE WHEN r.attempt IS NULL THEN d.attempts ELSE d.attempts || jsonb_build_array(r.attempt) END,
              next_attempt_at = CASE WHEN r.cron_after IS NULL THEN NULL ELSE now() + make_interval(secs => r.cron_after) END,
              updated_at = now()
            FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, status text, attempt jsonb, cron_after double precision)
            WHERE d.id = r.id`),
        ]
      : []),
    ...health.map((h) =>
      db
        .update(webhookEndpoints)
        .set(
          h.disable
            ? { enabled: false, disabledReason: h.disable, updatedAt: sql`now()` }
            : h.healthy
              ? { failingSince: null }
              : { failingSince: sql`COALESCE(${webhookEndpoints.failingSince}, now())` },
        )
        .where(eq(webhookEndpoints.id, h.endpointId)),
    ),
    ...(letters.length > 0 ? [insertDeadLetters(db, letters)] : []),
  ];
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

// ---- the cron ----

/**
 * Pending deliveries whose next_attempt_at has passed: long waits that are due, and any the queue
 * lost. Claimed in one statement (locked, skipping rows another run holds) by moving
 * next_attempt_at on by the watchdog period, so a claim whose message never arrives comes due again.
 */
export async function claimDueDeliveries(db: Db, limit: number): Promise<{ id: string; event_id: string }[]> {
  const { rows } = await db.execute<{ id: string; event_id: string }>(sql`
    UPDATE webhook_deliveries SET next_attempt_at = ${watchdog}, updated_at = now()
    WHERE id IN (
      SELECT id FROM webhook_deliveries
      WHERE status = 'pending' AND next_attempt_at IS NOT NULL AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    AND next_attempt_at <= now()
    RETURNING id, event_id`);
  return rows;
}
