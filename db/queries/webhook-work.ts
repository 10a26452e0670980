import { and, eq, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../functions/lib/db.ts";
import { newId } from "../../functions/lib/ids.ts";
import { agents, events, webhookDeliveries, webhookEndpoints, type DeliveryAttempt } from "../schema/index.ts";
import type { Owner } from "./webhook-endpoints.ts";

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
      .where(and(inArray(events.id, eventIds), eq(events.type, "post_call"))),
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
  const fresh = fanoutEventIds.length > 0 ? and(inArray(d.eventId, fanoutEventIds), eq(d.attemptCount, 0)) : undefined;
  const byName = named.map((n) => (n.attempt === undefined ? eq(d.id, n.id) : and(eq(d.id, n.id), eq(d.attemptCount, n.attempt))));
  const wanted = [fresh, ...byName].filter((c): c is SQL => c !== undefined);
  if (wanted.length === 0) return [];
  const claimed = await db
    .update(d)
    .set({
      leasedUntil: sql`now() + make_interval(secs => ${claimSeconds})`,
      leaseToken: token,
      nextAttemptAt: sql`now() + make_interval(secs => ${2 * claimSeconds})`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(d.status, "pending"), sql`(${d.leasedUntil} IS NULL OR ${d.leasedUntil} < now())`, sql`(${sql.join(wanted, sql` OR `)})`))
    .returning({ id: d.id });
  if (claimed.length === 0) return [];
  return db
    .select({
      delivery: d,
      event: events,
      endpoint: webhookEndpoints,
      agent: { id: agents.id, webhookUrl: agents.webhookUrl, webhookSecret: agents.webhookSecret },
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

/** Parked backlog released by each success of its endpoint: the backlog flows as fast as it answers. */
const releasedPerSuccess = 100;

/**
 * Writes one attempt and what it taught about its endpoint, in one statement, if the lease is
 * still `token`'s (else nothing: another consumer has the delivery). A pending delivery whose
 * endpoint is paused (by this failure or another) is parked with the endpoint's backlog.
 */
export async function recordAttempt(db: Db, r: Recorded): Promise<{ recorded: boolean; pausedUntil: Date | null }> {
  const health = r.health ? endpointHealth(r.health, r.deliveryId) : null;
  const cron = sql`CASE WHEN ${r.cronAfterSeconds}::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => ${r.cronAfterSeconds}::double precision) END`;
  const { rows } = await db.execute<{ recorded: number; paused_until: string | null }>(sql`
    WITH held AS (
      SELECT id, endpoint_id FROM webhook_deliveries
      WHERE id = ${r.deliveryId} AND lease_token = ${r.token} AND status = 'pending'
      FOR UPDATE
    ), e AS (
      ${health ? sql`UPDATE webhook_endpoints e SET ${health.set} FROM held WHERE e.id = held.endpoint_id RETURNING e.paused_until` : sql`SELECT e.paused_until FROM webhook_endpoints e JOIN held ON e.id = held.endpoint_id`}
    ), d AS (
      UPDATE webhook_deliveries d SET
        status = ${r.status}::delivery_status,
        attempt_count = d.attempt_count + ${r.attempt && r.counts ? 1 : 0},
        attempts = CASE WHEN ${r.attempt !== null} THEN d.attempts || jsonb_build_array(${JSON.stringify(r.attempt)}::jsonb) ELSE d.attempts END,
        next_attempt_at = CASE WHEN ${r.status} = 'pending' AND (SELECT paused_until FROM e) > now() THEN NULL ELSE ${cron} END,
        leased_until = NULL, lease_token = NULL, updated_at = now()
      FROM held WHERE d.id = held.id
      RETURNING d.id
    )${health?.release ? sql`, released AS (${health.release})` : sql``}
    SELECT (SELECT count(*) FROM d)::int AS recorded, (SELECT paused_until FROM e WHERE paused_until > now()) AS paused_until`);
  const row = rows[0]!;
  return { recorded: row.recorded > 0, pausedUntil: row.paused_until === null ? null : new Date(row.paused_until) };
}

/** The endpoint's new health (SET list), and the parked deliveries it lets go, if any. */
function endpointHealth(health: Health, deliveryId: string): { set: SQL; release?: SQL } {
  const parked = sql`SELECT q.id FROM webhook_deliveries q, held WHERE q.endpoint_id = held.endpoint_id AND q.status = 'pending' AND q.next_attempt_at IS NULL`;
  const release = (limit: SQL) => sql`UPDATE webhook_deliveries p SET next_attempt_at = now(), updated_at = now() WHERE p.id IN (${parked} ${limit})`;
  switch (health.kind) {
    case "up":
      // The episode is over: its backlog is let go, a hundred rows per success.
      return {
        set: sql`failure_streak = 0, failing_since = NULL, paused_until = NULL, pause_count = 0, probe_delivery_id = NULL,
                 slow_until = CASE WHEN ${health.fast} THEN NULL ELSE e.slow_until END`,
        release: release(sql`LIMIT ${releasedPerSuccess}`),
      };
    case "slow":
      // Served by the slow lane until an attempt there answers within the fast lane's deadline.
      return { set: sql`slow_until = now() + interval '1 day'` };
    case "down": {
      // A pause starts once it has failed `pauseAt` times running, and again on any failure once
      // paused (the probe's, or one after the pause ended) until a success ends the episode. Each
      // pause of an episode is twice the last, up to an hour (or the receiver's Retry-After, up
      // to a day). Attempts that were under way when the pause started do not lengthen it.
      const starts = sql`((e.paused_until IS NULL AND e.failure_streak + 1 >= ${health.pauseAt})
        OR (e.paused_until IS NOT NULL AND (e.paused_until <= now() OR e.probe_delivery_id = ${deliveryId})))`;
      return {
        set: sql`failure_streak = e.failure_streak + 1, failing_since = coalesce(e.failing_since, now()),
                 paused_until = CASE WHEN ${starts} THEN now() + make_interval(secs => greatest(
                   least(${health.pauseSeconds}::double precision * power(2, e.pause_count), 3600),
                   least(coalesce(${health.retryAfterSeconds}::double precision, 0), 86400))) ELSE e.paused_until END,
                 pause_count = CASE WHEN ${starts} THEN e.pause_count + 1 ELSE e.pause_count END,
                 probe_delivery_id = CASE WHEN ${starts} THEN NULL ELSE e.probe_delivery_id END`,
      };
    }
    case "disable":
      // Nothing more will be sent to it: its parked deliveries go through to be refused.
      return {
        set: sql`enabled = false, disabled_reason = ${health.reason}, paused_until = NULL, probe_delivery_id = NULL, updated_at = now()`,
        release: release(sql``),
      };
  }
}

/** Parks a delivery whose endpoint is paused: it waits, unattempted, with the endpoint's backlog. */
export async function park(db: Db, deliveryId: string, token: string): Promise<void> {
  const d = webhookDeliveries;
  await db
    .update(d)
    .set({ nextAttemptAt: null, leasedUntil: null, leaseToken: null, updatedAt: sql`now()` })
    .where(and(eq(d.id, deliveryId), eq(d.leaseToken, token), eq(d.status, "pending")));
}

/** Lets go of deliveries handed to the other lane, so its consumer can claim them at once. */
export async function releaseLeases(db: Db, deliveryIds: string[], token: string): Promise<void> {
  if (deliveryIds.length === 0) return;
  const d = webhookDeliveries;
  await db
    .update(d)
    .set({ leasedUntil: null, leaseToken: null })
    .where(and(inArray(d.id, deliveryIds), eq(d.leaseToken, token)));
}
