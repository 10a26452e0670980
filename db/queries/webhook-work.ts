import { and, eq, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { newId } from "../../schemas/ids.ts";
import { agents, events, webhookDeliveries, webhookEndpoints, type DeliveryAttempt } from "../schema/index.ts";
import type { Owner } from "./webhook-endpoints.ts";
import { eventType } from "./events.ts";
import { onlyRow } from "./rows.ts";

// The webhook consumer's statements. A delivery is leased before each attempt, under a token of
// the consumer that holds it, so two consumers never send it at once, and a consumer that lost
// its lease (it stalled, another took the delivery over) writes nothing. Each attempt's outcome,
// and what it says about its endpoint's health, is written the moment the attempt ends.

/** How long a pending delivery may sit without news before the cron sends it again. */
export const watchdogMinutes = 15;
export const watchdog = sql`now() + make_interval(mins => ${watchdogMinutes})`;

/**
 * A claim's lease: time to start the attempt. Each attempt renews it for its own length first
 * (leaseFor), so a lease lasts as long as the work under it, however long the batch runs. A
 * consumer that died lets go within it; the cron sends the delivery again a minute later.
 */
export const claimSeconds = 60;

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
      .where(and(inArray(events.id, eventIds), eq(events.type, eventType("post_call")))),
  ]);
  return { events: found, endpointPairs, agentPairs };
}

export type NewDelivery = { eventId: string; workspaceId: string; mode: Owner["mode"]; endpointId?: string; agentId?: string };

/**
 * Fans events out: one delivery row per (event, receiver), rows that exist left as they are,
 * and the events marked done, in one transaction. Until this commits the sweeper keeps sending
 * the event again, so an event is never lost between the queue and its deliveries.
 */
export async function fanOut(db: Db, eventIds: string[], rows: NewDelivery[]): Promise<void> {
  if (eventIds.length === 0) return;
  const done = db.update(events).set({ fannedOutAt: sql`coalesce(${events.fannedOutAt}, now())` }).where(inArray(events.id, eventIds));
  if (rows.length === 0) {
    await done;
    return;
  }
  const insert = db.insert(webhookDeliveries).values(rows.map((row) => ({ ...row, id: newId("webhookDelivery"), nextAttemptAt: watchdog }))).onConflictDoNothing();
  await db.batch([insert, done]);
}

/** A delivery a message names, and the attempt count it was sent for (absent: any). */
export type Named = { id: string; attempt?: number };

/**
 * Claims the deliveries to attempt now, under `token`, and loads what sending them takes: fresh
 * deliveries of fanned-out events (a repeated fan-out does not jump a retry schedule) and the
 * named ones, if pending, not leased by another consumer, and not attempted since the message
 * was sent (a late duplicate of a retry is not a second retry).
 */
export async function claimWork(db: Db, fanoutEventIds: string[], named: Named[], token: string) {
  const d = webhookDeliveries;
  // A batch's claim reads its own rows, however many deliveries are stored or pending: the fresh
  // deliveries of its events on webhook_deliveries_event_idx (an event's deliveries are one per
  // receiver), the named ones by id, and each row claimed by id. "Not finished" is written as
  // NOT IN ('succeeded', 'failed'), not as = 'pending', on purpose: the partial indexes on
  // pending deliveries then never apply. After a burst, before the statistics catch up, the
  // planner takes those for nearly empty and walked every pending delivery for each batch (180 ms
  // a batch with 100k pending), or, once this was a join, every pending one for each of them.
  const open = sql`status NOT IN ('succeeded', 'failed')`;
  const fresh = fanoutEventIds.length > 0 ? sql`SELECT id FROM webhook_deliveries WHERE event_id IN ${fanoutEventIds} AND attempt_count = 0` : null;
  const byName =
    named.length > 0
      ? sql`SELECT id FROM webhook_deliveries WHERE id IN ${named.map((n) => n.id)} AND (${sql.join(
          named.map((n) => (n.attempt === undefined ? sql`id = ${n.id}` : sql`(id = ${n.id} AND attempt_count = ${n.attempt})`)),
          sql` OR `,
        )})`
      : null;
  const wanted = [fresh, byName].filter((q) => q !== null);
  if (wanted.length === 0) return [];
  const claimed = await db
    .update(d)
    .set({
      leasedUntil: sql`now() + make_interval(secs => ${claimSeconds})`,
      leaseToken: token,
      nextAttemptAt: sql`now() + make_interval(secs => ${2 * claimSeconds})`,
      updatedAt: sql`now()`,
    })
    .where(and(open, sql`(${d.leasedUntil} IS NULL OR ${d.leasedUntil} < now())`, sql`${d.id} IN (${sql.join(wanted, sql` UNION ALL `)})`))
    .returning({ id: d.id });
  if (claimed.length === 0) return [];
  return db
    .select({
      delivery: d,
      event: events,
      endpoint: webhookEndpoints,
      agent: { id: agents.id, webhookUrl: agents.webhookUrl, webhookSecret: agents.webhookSecret, postCallJson: agents.postCallJson },
    })
    .from(d)
    .innerJoin(events, eq(events.id, d.eventId))
    .leftJoin(webhookEndpoints, eq(webhookEndpoints.id, d.endpointId))
    .leftJoin(agents, eq(agents.id, d.agentId))
    .where(inArray(d.id, claimed.map((c) => c.id)));
}

/**
 * Renews the lease for an attempt of `seconds`, right before it starts; false if the lease was
 * lost meanwhile (another consumer has the delivery, or it is no longer pending).
 */
export async function leaseFor(db: Db, deliveryId: string, token: string, seconds: number): Promise<boolean> {
  const d = webhookDeliveries;
  const rows = await db
    .update(d)
    .set({
      leasedUntil: sql`now() + make_interval(secs => ${seconds})`,
      nextAttemptAt: sql`greatest(${d.nextAttemptAt}, now() + make_interval(secs => ${seconds + claimSeconds}))`,
    })
    .where(and(eq(d.id, deliveryId), eq(d.leaseToken, token), eq(d.status, "pending")))
    .returning({ id: d.id });
  return rows.length > 0;
}

export type WorkItem = Awaited<ReturnType<typeof claimWork>>[number];

/** What an attempt says about its endpoint. */
export type Health =
  | { kind: "up"; fast: boolean } // answered 2xx; `fast`: within the fast lane's deadline
  // failed: paused once the streak reaches pauseAt, for pauseSeconds doubling per pause, or as
  // long as the receiver's Retry-After asked (up to a day) if that is longer
  | { kind: "down"; pauseAt: number; pauseSeconds: number; retryAfterSeconds: number | null }
  | { kind: "slow" } // no answer within the fast lane's deadline
  | { kind: "disable"; reason: string };

export type Recorded = {
  deliveryId: string;
  token: string; // the lease the attempt was made under
  attempt: DeliveryAttempt | null; // null: not attempted (e.g. its endpoint is disabled)
  counts: boolean; // whether the attempt moves the retry schedule on
  status: "pending" | "succeeded" | "failed";
  // For a pending delivery: seconds until the cron must send it (the due time for long waits,
  // a deadline past the queue's own retry otherwise).
  cronAfterSeconds: number | null;
  health: Health | null;
};

/**
 * Writes one attempt and what it taught about its endpoint, in one statement, if the lease is
 * still `token`'s (else nothing: another consumer has the delivery). A pending delivery whose
 * endpoint is paused (by this failure or another) is parked with the endpoint's backlog, and
 * the endpoint marked as having one.
 */
export async function recordAttempt(db: Db, r: Recorded): Promise<RecordResult> {
  const { rows } = await recordAttemptStatement(db, r);
  return recordResult(rows);
}

export type RecordResult = { recorded: boolean; pausedUntil: Date | null };
type RecordRow = { recorded: number; paused_until: string | null };

/**
 * recordAttempt's statement, not yet run, so that attempts ending together can be written in one
 * round trip (db.batch); recordResult reads what it returned.
 */
export function recordAttemptStatement(db: Db, r: Recorded) {
  const pending = sql`${r.status} = 'pending'`;
  const health = r.health ? endpointHealth(r.health, r.deliveryId) : null;
  // With news of its health the endpoint is updated (unless nothing changes); without, only to
  // mark that this delivery is being parked behind its pause.
  const endpoint = health
    ? sql`UPDATE webhook_endpoints e SET ${health.set}, has_parked = e.has_parked OR (${pending} AND coalesce(${health.pausedUntil} > now(), false))
          FROM held WHERE e.id = held.endpoint_id AND ${health.changes} RETURNING e.paused_until`
    : sql`UPDATE webhook_endpoints e SET has_parked = true
          FROM held WHERE e.id = held.endpoint_id AND ${pending} AND e.paused_until > now() RETURNING e.paused_until`;
  const cron = sql`CASE WHEN ${r.cronAfterSeconds}::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => ${r.cronAfterSeconds}::double precision) END`;
  return db.execute<RecordRow>(sql`
    WITH held AS (
      SELECT id, endpoint_id FROM webhook_deliveries
      WHERE id = ${r.deliveryId} AND lease_token = ${r.token} AND status = 'pending'
      FOR UPDATE
    ), e AS (${endpoint}), d AS (
      UPDATE webhook_deliveries d SET
        status = ${r.status}::delivery_status,
        attempt_count = d.attempt_count + ${r.attempt && r.counts ? 1 : 0},
        attempts = CASE WHEN ${r.attempt !== null} THEN d.attempts || jsonb_build_array(${JSON.stringify(r.attempt)}::jsonb) ELSE d.attempts END,
        next_attempt_at = CASE WHEN ${pending} AND (SELECT paused_until FROM e) > now() THEN NULL ELSE ${cron} END,
        leased_until = NULL, lease_token = NULL, updated_at = now()
      FROM held WHERE d.id = held.id
      RETURNING d.id
    )
    SELECT (SELECT count(*) FROM d)::int AS recorded, (SELECT paused_until FROM e WHERE paused_until > now()) AS paused_until`);
}

export function recordResult(rows: RecordRow[]): RecordResult {
  const row = onlyRow(rows, "recordAttempt");
  return { recorded: row.recorded > 0, pausedUntil: row.paused_until === null ? null : new Date(row.paused_until) };
}

/** The endpoint's new health: its SET list, the paused_until it leaves, and when it changes anything. */
function endpointHealth(health: Health, deliveryId: string): { set: SQL; pausedUntil: SQL; changes: SQL } {
  switch (health.kind) {
    case "up": {
      // The episode is over. A healthy endpoint's success changes nothing, and writes nothing.
      const slowEnds = sql`(${health.fast} AND e.slow_until IS NOT NULL)`;
      return {
        set: sql`failure_streak = 0, failing_since = NULL, paused_until = NULL, pause_count = 0, probe_delivery_id = NULL,
                 slow_until = CASE WHEN ${health.fast} THEN NULL ELSE e.slow_until END`,
        pausedUntil: sql`NULL::timestamptz`,
        changes: sql`(e.failure_streak <> 0 OR e.failing_since IS NOT NULL OR e.paused_until IS NOT NULL OR e.pause_count <> 0 OR ${slowEnds})`,
      };
    }
    case "slow":
      // Served by the slow lane until an attempt there answers within the fast lane's deadline.
      return { set: sql`slow_until = now() + interval '1 day'`, pausedUntil: sql`e.paused_until`, changes: sql`true` };
    case "down": {
      // A pause starts once it has failed `pauseAt` times running, and again on any failure once
      // paused (the probe's, or one after the pause ended) until a success ends the episode. Each
      // pause of an episode is twice the last, up to an hour (or the receiver's Retry-After, up
      // to a day). Attempts that were under way when the pause started do not lengthen it.
      const starts = sql`((e.paused_until IS NULL AND e.failure_streak + 1 >= ${health.pauseAt})
        OR (e.paused_until IS NOT NULL AND (e.paused_until <= now() OR e.probe_delivery_id = ${deliveryId})))`;
      const pausedUntil = sql`(CASE WHEN ${starts} THEN now() + make_interval(secs => greatest(
                   least(${health.pauseSeconds}::double precision * power(2, e.pause_count), 3600),
                   least(coalesce(${health.retryAfterSeconds}::double precision, 0), 86400))) ELSE e.paused_until END)`;
      return {
        set: sql`failure_streak = e.failure_streak + 1, failing_since = coalesce(e.failing_since, now()), paused_until = ${pausedUntil},
                 pause_count = CASE WHEN ${starts} THEN e.pause_count + 1 ELSE e.pause_count END,
                 probe_delivery_id = CASE WHEN ${starts} THEN NULL ELSE e.probe_delivery_id END`,
        pausedUntil,
        changes: sql`true`,
      };
    }
    case "disable":
      // Nothing more will be sent to it: the cron lets its parked deliveries go, to be refused.
      return {
        set: sql`enabled = false, disabled_reason = ${health.reason}, paused_until = NULL, probe_delivery_id = NULL, updated_at = now()`,
        pausedUntil: sql`NULL::timestamptz`,
        changes: sql`true`,
      };
  }
}

/**
 * Parks a delivery behind its endpoint's pause: it waits, unattempted, with the backlog. Only if
 * the endpoint is still paused, checked under a lock on it, so a success that ends the pause is
 * never passed by a park it would not see; false if it is not (the caller attempts it).
 */
export async function park(db: Db, deliveryId: string, token: string): Promise<boolean> {
  const { rows } = await db.execute<{ parked: number }>(sql`
    WITH p AS (
      UPDATE webhook_deliveries d SET next_attempt_at = NULL, leased_until = NULL, lease_token = NULL, updated_at = now()
      WHERE d.id = ${deliveryId} AND d.lease_token = ${token} AND d.status = 'pending'
        AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled AND e.paused_until > now() FOR SHARE)
      RETURNING d.endpoint_id
    ), marked AS (
      UPDATE webhook_endpoints e SET has_parked = true FROM p WHERE e.id = p.endpoint_id AND NOT e.has_parked
    )
    SELECT count(*)::int AS parked FROM p`);
  return onlyRow(rows, "park").parked > 0;
}

/** Parked deliveries let go by each success of their endpoint: the backlog flows as fast as it answers. */
export const releasedPerSuccess = 100;

/**
 * Lets go of up to `limit` of an endpoint's parked deliveries, if it is not paused (or is
 * disabled, so they are refused), for the caller to put on the queue; once none are left, the
 * endpoint is no longer marked as having a backlog.
 */
export async function releaseParked(db: Db, endpointId: string, limit: number): Promise<DueDelivery[]> {
  const [released] = await db.batch([
    db.execute<DueDelivery>(sql`
      UPDATE webhook_deliveries d SET next_attempt_at = ${watchdog}, updated_at = now()
      WHERE d.id IN (
        SELECT q.id FROM webhook_deliveries q JOIN webhook_endpoints e ON e.id = q.endpoint_id
        WHERE q.endpoint_id = ${endpointId} AND q.status = 'pending' AND q.next_attempt_at IS NULL
          AND (e.paused_until IS NULL OR NOT e.enabled)
        LIMIT ${limit}
        FOR UPDATE OF q SKIP LOCKED)
      RETURNING d.id, d.event_id, d.attempt_count`),
    db.execute(sql`
      UPDATE webhook_endpoints e SET has_parked = false
      WHERE e.id = ${endpointId} AND e.has_parked AND (e.paused_until IS NULL OR NOT e.enabled)
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries q WHERE q.endpoint_id = e.id AND q.status = 'pending' AND q.next_attempt_at IS NULL)`),
  ]);
  return released.rows;
}

/** A delivery the cron (or a success) hands to the queue, and the attempt it is sent for. */
export type DueDelivery = { id: string; event_id: string; attempt_count: number };

/** Lets go of deliveries handed to the other lane, so its consumer can claim them at once. */
export async function releaseLeases(db: Db, deliveryIds: string[], token: string): Promise<void> {
  if (deliveryIds.length === 0) return;
  const d = webhookDeliveries;
  await db
    .update(d)
    .set({ leasedUntil: null, leaseToken: null })
    .where(and(inArray(d.id, deliveryIds), eq(d.leaseToken, token)));
}
