import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";

// A morning that does not stampede: callbacks held until the same moment (the opening after a
// night of leads) leave in the order they were held, the domain's release_spacing_seconds apart
// per agent who may take calls, so agents are not all rung in the same minute. The k-th callback
// held for a moment is released k spacings after it; holds of one domain are serialised by a
// transaction-scoped lock, so no two take the same place.

/**
 * Serialises the holds of one domain's callbacks: the first statement of the batch (one
 * transaction) that then holds one, at intake or in the dialler.
 */
export function lockRelease(db: Db, domainId: string | null) {
  return db.execute(domainId ? sql`SELECT pg_advisory_xact_lock(hashtext(${`ringback:release:${domainId}`}))` : sql`SELECT 1`);
}

/** The callback's row, as the statement that holds it names it: its domain, workspace, mode and id. */
type Row = { domain: SQL; workspace: SQL; mode: SQL; self: SQL };

/** When a callback held until `at` (its hold's `until`) is released: its place among those held for it. */
export const releaseSlot = (at: Date | string, until: string | null, row: Row) => sql`
  ${typeof at === "string" ? at : at.toISOString()}::timestamptz + coalesce((
    SELECT count(*) FROM callbacks o
    WHERE o.domain_id = ${row.domain} AND o.id <> ${row.self} AND o.status IN ('scheduled', 'retry_scheduled')
      AND o.hold->>'until' = ${until}::text
  ) * (
    SELECT make_interval(secs => d.release_spacing_seconds::float8 / greatest(1, (
      SELECT count(*) FROM agents ag WHERE ag.workspace_id = ${row.workspace} AND ag.mode = ${row.mode} AND ag.active AND ag.available)))
    FROM domains d WHERE d.id = ${row.domain}
  ), interval '0')`;

/** When a held callback is released: its place in the queue for its opening (the batch's last statement, after the hold). */
export function releaseAt(db: Db, callbackId: string) {
  return db.execute<{ at: string | null }>(sql`SELECT next_attempt_at::text AS at FROM callbacks WHERE id = ${callbackId}`);
}
