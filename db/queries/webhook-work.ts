import { and, eq, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../functions/lib/db.ts";
import { newId } from "../../functions/lib/ids.ts";
import { agents, events, webhookDeliveries, webhookEndpoints, type DeliveryAttempt } from "../schema/index.ts";
import type { Owner } from "./webhook-endpoints.ts";

// The webhook consumer's statements. A delivery is claimed (leased) before it is attempted, so
// two consumers never send it at once; each attempt's outcome, and what it says about its
// endpoint's health, is written the moment the attempt ends, not when the batch does.

/** How long a pending delivery may sit without news before the cron sends it again. */
export const watchdogMinutes = 15;
export const watchdog = sql`now() + make_interval(mins => ${watchdogMinutes})`;

/**
 * Longer than any attempt takes (15 s at most): a consumer that died lets go within it, and the
 * cron sends the delivery again a minute after that.
 */
const leaseSeconds = 60;

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

/**
 * Claims the deliveries to attempt now and loads what sending them takes: fresh deliveries of
 * fanned-out events (a repeated fan-out does not jump a retry schedule) and the named ones, if
 * pending and not leased by another consumer.
 */
export async function claimWork(db: Db, fanoutEventIds: string[], deliveryIds: string[]) {
  const fresh = fanoutEventIds.length > 0 ? and(inArray(webhookDeliveries.eventId, fanoutEventIds), eq(webhookDeliveries.attemptCount, 0)) : undefined;
  const named = deliveryIds.length > 0 ? inArray(webhookDeliveries.id, deliveryIds) : undefined;
  if (!fresh && !named) return [];
  const claimed = await db
    .update(webhookDeliveries)
    .set({ leasedUntil: sql`now() + make_interval(secs => ${leaseSeconds})`, nextAttemptAt: sql`now() + make_interval(secs => ${2 * leaseSeconds})`, updatedAt: sql`now()` })
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        or(sql`${webhookDeliveries.leasedUntil} IS NULL`, lt(webhookDeliveries.leasedUntil, sql`now()`)),
        or(fresh, named),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  if (claimed.length === 0) return [];
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
    .where(inArray(webhookDeliveries.id, claimed.map((c) => c.id)));
}

export type WorkItem = Awaited<ReturnType<typeof claimWork>>[number];

/** What an attempt says about its endpoint. */
export type Health =
  | { kind: "up"; fast: boolean } // answered 2xx; `fast`: within the fast lane's deadline
  | { kind: "down"; pauseAt: number; pauseSeconds: number } // failed: paused once the streak reaches pauseAt
  | { kind: "slow" } // no answer within the fast lane's deadline
  | { kind: "disable"; reason: string };

export type Recorded = {
  deliveryId: string;
  endpointId: string | null;
  attempt: DeliveryAttempt | null; // null: not attempted (e.g. its endpoint is disabled)
  status: "pending" | "succeeded" | "failed";
  // For a pending delivery: seconds until the cron must send it (the due time for long waits,
  // a deadline past the queue's own retry otherwise).
  cronAfterSeconds: number | null;
  health: Health | null;
};

/**
 * Writes one attempt and what it taught about its endpoint: one round trip, one transaction.
 * Resolves with the endpoint's pause, if this attempt started or extended one.
 */
export async function recordAttempt(db: Db, r: Recorded): Promise<Date | null> {
  const delivery = db.execute(sql`
    UPDATE webhook_deliveries AS d SET
      status = ${r.status}::delivery_status,
      attempt_count = d.attempt_count + ${r.attempt ? 1 : 0},
      attempts = CASE WHEN ${r.attempt !== null} THEN d.attempts || jsonb_build_array(${JSON.stringify(r.attempt)}::jsonb) ELSE d.attempts END,
      next_attempt_at = CASE WHEN ${r.cronAfterSeconds}::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => ${r.cronAfterSeconds}::double precision) END,
      leased_until = NULL,
      updated_at = now()
    WHERE d.id = ${r.deliveryId}`);
  if (!r.endpointId || !r.health) {
    await delivery;
    return null;
  }
  const [, endpoint] = await db.batch([delivery, endpointHealth(db, r.endpointId, r.health).returning({ pausedUntil: webhookEndpoints.pausedUntil })]);
  const pausedUntil = endpoint[0]?.pausedUntil ?? null;
  return pausedUntil && pausedUntil.getTime() > Date.now() ? pausedUntil : null;
}

function endpointHealth(db: Db, endpointId: string, health: Health) {
  const e = webhookEndpoints;
  switch (health.kind) {
    case "up":
      return db
        .update(e)
        .set({ failureStreak: 0, failingSince: null, pausedUntil: null, ...(health.fast && { slowUntil: null }) })
        .where(eq(e.id, endpointId));
    case "slow":
      // Served by the slow lane until an attempt there answers within the fast lane's deadline.
      return db.update(e).set({ slowUntil: sql`now() + interval '1 day'` }).where(eq(e.id, endpointId));
    case "down":
      // Paused once it has failed `pauseAt` times running, for a while that doubles with each
      // further failure: its deliveries wait as its own backlog instead of being retried in step
      // with healthy endpoints.
      return db
        .update(e)
        .set({
          failureStreak: sql`${e.failureStreak} + 1`,
          failingSince: sql`coalesce(${e.failingSince}, now())`,
          pausedUntil: sql`CASE WHEN ${e.failureStreak} + 1 >= ${health.pauseAt}
            THEN now() + make_interval(secs => least(${health.pauseSeconds}::double precision * power(2, ${e.failureStreak} + 1 - ${health.pauseAt}), 3600))
            ELSE ${e.pausedUntil} END`,
        })
        .where(eq(e.id, endpointId));
    case "disable":
      return db.update(e).set({ enabled: false, disabledReason: health.reason, updatedAt: sql`now()` }).where(eq(e.id, endpointId));
  }
}

/** Leaves a delivery unattempted until `until` (its endpoint is paused): the cron sends it then. */
export async function deferDelivery(db: Db, deliveryId: string, until: Date): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: until, leasedUntil: null, updatedAt: sql`now()` })
    .where(eq(webhookDeliveries.id, deliveryId));
}

/** Lets go of deliveries handed to the other lane, so its consumer can claim them at once. */
export async function releaseLeases(db: Db, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await db.update(webhookDeliveries).set({ leasedUntil: null }).where(inArray(webhookDeliveries.id, deliveryIds));
}
