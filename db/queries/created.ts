import { type SQL, sql } from "drizzle-orm";
import { type IdKind, idAt } from "../../schemas/ids.ts";

// created_after and created_before, as id bounds: ids are time-ordered (schemas/ids.ts), so a
// range of creation times is a range of the list's own index (workspace, mode, …, id) and a
// bound that matches nothing reads nothing, where created_at alone would scan every row.
//
// An id's time is the Worker's clock when it made the id, and created_at the database's when the
// row was written, a little later and on another clock. So the id bound is widened by `slackMs`
// and created_at still decides: what a caller is shown (created_at) is exactly what they asked
// for, at the cost of reading at most the rows written within a minute of the bound.
const slackMs = 60_000;

export type CreatedRange = { createdAfter?: string; createdBefore?: string };

/**
 * The conditions on `alias` (a table of `kind` ids with created_at) for rows created strictly
 * after createdAfter and strictly before createdBefore (ISO 8601 with an offset, already checked).
 */
export function createdWithin(alias: string, kind: IdKind, range: CreatedRange): SQL[] {
  const row = sql.raw(alias);
  const where: SQL[] = [];
  if (range.createdAfter) {
    const ms = Date.parse(range.createdAfter);
    if (Number.isFinite(ms)) where.push(sql`${row}.id > ${idAt(kind, ms - slackMs, "last")}`);
    where.push(sql`${row}.created_at > ${range.createdAfter}::timestamptz`);
  }
  if (range.createdBefore) {
    const ms = Date.parse(range.createdBefore);
    if (Number.isFinite(ms)) where.push(sql`${row}.id < ${idAt(kind, ms + slackMs, "first")}`);
    where.push(sql`${row}.created_at < ${range.createdBefore}::timestamptz`);
  }
  return where;
}
