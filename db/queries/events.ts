import { and, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { Owner } from "./webhook-endpoints.ts";
import { events } from "../schema/index.ts";
import { EventType } from "../../schemas/events.ts";

export type StoredEvent = typeof events.$inferSelect;

/**
 * An event type as a SQL value, for the statements that write their events themselves: only a
 * type of the catalogue compiles (or runs), so a producer cannot invent one that no payload
 * schema describes. test/worker/event-producers.test.ts parses what each producer writes.
 */
export const eventType = (type: EventType): SQL => sql`${EventType.parse(type)}::text`;

const owned = (owner: Owner) => and(eq(events.workspaceId, owner.workspaceId), eq(events.mode, owner.mode));

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listEvents(db: Db, owner: Owner, query: { type?: string; limit: number; startingAfter?: string }) {
  return db
    .select()
    .from(events)
    .where(
      and(
        owned(owner),
        query.type ? eq(events.type, query.type) : undefined,
        query.startingAfter ? lt(events.id, query.startingAfter) : undefined,
      ),
    )
    .orderBy(desc(events.id))
    .limit(query.limit + 1);
}

export async function findEvent(db: Db, owner: Owner, id: string): Promise<StoredEvent | null> {
  const [row] = await db.select().from(events).where(and(owned(owner), eq(events.id, id)));
  return row ?? null;
}

// An event handed to the queue and not fanned out within its lease is sent again: the message may
// have been lost, dead-lettered, or taken by a consumer that died. The lease doubles with each
// send, from two minutes to an hour, so an event the consumer keeps failing on waits longer.
// (An event written as sent without a count, sends = 0, has the first lease.)
const leaseMinutes = (sends: number) => Math.min(2 * 2 ** Math.max(sends - 1, 0), 60);
/** Sends from which the lease is an hour: every count above is one range of events_unsent_idx. */
const longestLeaseFrom = 6;

/**
 * Where the sweeper looks, in the order it looks: each is one range of events_unsent_idx
 * (sends, enqueued_at, created_at, of events not fanned out) holding only events whose wait is
 * over, so a sweep touches the rows it takes and not the backlog behind them, however long.
 * Events never sent come first, oldest first: they are the fast path's misses, and a backlog's
 * bulk. Then those whose lease is over, by send count. Only the last range (an hour's lease,
 * sends ≥ 6) also walks events still in their lease: those the consumer failed on six times
 * and more within the hour, few unless it is broken.
 */
function sweepRanges(): SQL[] {
  // Each in the index's own order (enqueued_at is null throughout the first), so a range is read
  // as far as the limit and never sorted whole.
  const unsent = sql`sends = 0 AND enqueued_at IS NULL AND created_at < now() - interval '30 seconds' ORDER BY enqueued_at, created_at`;
  const leased = (condition: SQL, minutes: number) =>
    sql`${condition} AND enqueued_at < now() - make_interval(mins => ${minutes}) AND created_at < now() - interval '30 seconds' ORDER BY sends, enqueued_at`;
  const resent = Array.from({ length: longestLeaseFrom }, (_, sends) => leased(sql`sends = ${sends}`, leaseMinutes(sends)));
  return [unsent, ...resent, leased(sql`sends >= ${longestLeaseFrom}`, 60)];
}

/**
 * The sweeper's claim: events not fanned out 30 s after they were written, never sent or sent
 * longer ago than their lease, that no other sweeper holds. One statement, so two sweepers
 * running at once never take the same row: each locks what it takes, skips what the other has
 * locked, and re-checks the claim on rows that were committed under it. A claim lapses after two
 * minutes in case its sweeper died.
 */
export async function claimUnfannedEvents(db: Db, limit: number): Promise<string[]> {
  const unclaimed = sql`(claimed_at IS NULL OR claimed_at < now() - interval '2 minutes')`;
  // Each range is read lazily, in order, and only until `limit` rows are found (an Append
  // under a LIMIT), its rows locked as they are read.
  const ranges = sweepRanges().map(
    (range, i) => sql`SELECT ctid FROM (SELECT ctid FROM events WHERE fanned_out_at IS NULL AND ${unclaimed} AND ${range} LIMIT ${limit} FOR UPDATE SKIP LOCKED) ${sql.raw(`r${i}`)}`,
  );
  // The rows are updated by their ctid, locked by this statement, so the update itself is a
  // lookup of each: as `id IN (…)`, the planner may join the chosen rows to every event not
  // fanned out, which is the backlog again.
  const { rows } = await db.execute<{ id: string }>(sql`
    UPDATE events SET claimed_at = now()
    WHERE ctid = ANY (ARRAY(SELECT ctid FROM (${sql.join(ranges, sql` UNION ALL `)}) due LIMIT ${limit}))
    AND fanned_out_at IS NULL
    RETURNING id`);
  return rows.map((row) => row.id);
}

/** The events are on the queue: their lease starts now. */
export async function markEnqueued(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(events)
    .set({ enqueuedAt: sql`now()`, sends: sql`${events.sends} + 1`, claimedAt: null })
    .where(inArray(events.id, ids));
}

/** Gives back a claim whose send failed, so the next sweep takes the rows at once. */
export async function releaseClaims(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(events).set({ claimedAt: null }).where(inArray(events.id, ids));
}
