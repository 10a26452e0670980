import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { Owner } from "./leads.ts";
import { isoSql } from "./resources.ts";

// The do-not-call list, always scoped to one workspace and mode. Phones are E.164: callers
// normalise them (toE164) before they get here, as the list stores them.

export type DncEntryJson = { phone: string; reason: string | null; created_at: string };

const entryJson = sql`jsonb_build_object('phone', d.phone, 'reason', d.reason, 'created_at', ${isoSql(sql`d.created_at`)})`;
const owned = (owner: Owner) => sql`d.workspace_id = ${owner.workspaceId} AND d.mode = ${owner.mode}::mode`;

/**
 * Puts the phone on the list, or finds it there already: `created` says which. An entry that
 * exists is returned as it is (its reason and created_at are kept).
 */
export async function addDncNumber(db: Db, owner: Owner, phone: string, reason: string | null): Promise<{ entry: DncEntryJson; created: boolean }> {
  // A concurrent add committed after this statement's snapshot makes ON CONFLICT skip the insert
  // while the SELECT cannot see the row yet: no row at all. A second statement sees it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await db.execute<{ entry: DncEntryJson; created: boolean }>(sql`
WITH added AS (
  INSERT INTO dnc_numbers AS d (workspace_id, mode, phone, reason)
  VALUES (${owner.workspaceId}, ${owner.mode}::mode, ${phone}, ${reason})
  ON CONFLICT DO NOTHING
  RETURNING ${entryJson} AS entry
)
SELECT entry, true AS created FROM added
UNION ALL
SELECT ${entryJson}, false FROM dnc_numbers d
WHERE ${owned(owner)} AND d.phone = ${phone} AND NOT EXISTS (SELECT 1 FROM added)`);
    const row = rows[0];
    if (row) return { entry: row.entry, created: row.created === true };
  }
  throw new Error("dnc: the entry was neither added nor found");
}

/** True if the phone was on the list (and is no longer). */
export async function removeDncNumber(db: Db, owner: Owner, phone: string): Promise<boolean> {
  const { rows } = await db.execute(sql`DELETE FROM dnc_numbers d WHERE ${owned(owner)} AND d.phone = ${phone} RETURNING 1 AS removed`);
  return rows.length > 0;
}

export type DncFilters = { phone?: string; after?: string };

/** In phone order, after the cursor's phone; `limit + 1` entries so the caller can tell whether there is more. */
export async function listDncNumbers(db: Db, owner: Owner, filters: DncFilters, limit: number): Promise<DncEntryJson[]> {
  const where: SQL[] = [owned(owner)];
  if (filters.phone) where.push(sql`d.phone = ${filters.phone}`);
  if (filters.after) where.push(sql`d.phone > ${filters.after}`);
  const { rows } = await db.execute<{ entry: DncEntryJson }>(sql`
    SELECT ${entryJson} AS entry FROM dnc_numbers d
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY d.phone LIMIT ${limit + 1}`);
  return rows.map((row) => row.entry);
}
