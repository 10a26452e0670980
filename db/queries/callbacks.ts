import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { Mode } from "../../schemas/scopes.ts";
import { createdWithin } from "./created.ts";
import { eventType } from "./events.ts";
import { callbackJson, callJson, isoSql } from "./resources.ts";
import { onlyRow } from "./rows.ts";

// Reads and the cancel of callbacks on the native API. Every query is scoped to the caller's
// workspace and mode, and returns the resource as callbackJson builds it, the same builder the
// events use.

export type Owner = { workspaceId: string; mode: Mode };
type Json = Record<string, unknown>;

const owned = (owner: Owner) => sql`c.workspace_id = ${owner.workspaceId} AND c.mode = ${owner.mode}::mode`;

export async function findCallback(db: Db, owner: Owner, id: string): Promise<Json | null> {
  const { rows } = await db.execute<{ callback: Json }>(sql`
    SELECT ${callbackJson("c", "l")} AS callback
    FROM callbacks c JOIN leads l ON l.id = c.lead_id
    WHERE c.id = ${id} AND ${owned(owner)}`);
  return rows[0]?.callback ?? null;
}

/**
 * Every leg of every attempt of the caller's callback, oldest first, as the call.* events show
 * them, with when each step happened; null when the callback is not the caller's.
 */
export async function callbackAttempts(db: Db, owner: Owner, id: string): Promise<{ callback_id: string; data: Json[] } | null> {
  const { rows } = await db.execute<{ data: Json[] }>(sql`
    SELECT coalesce((
      SELECT jsonb_agg((${callJson("a", "c", "l")} - 'at') || jsonb_build_object(
        'error', a.error, 'created_at', ${isoSql(sql`a.created_at`)}, 'answered_at', ${isoSql(sql`a.answered_at`)},
        'accepted_at', ${isoSql(sql`a.accepted_at`)}, 'ended_at', ${isoSql(sql`a.ended_at`)})
        ORDER BY a.attempt_number, a.leg)
      FROM call_attempts a WHERE a.callback_id = c.id), '[]'::jsonb) AS data
    FROM callbacks c JOIN leads l ON l.id = c.lead_id
    WHERE c.id = ${id} AND ${owned(owner)}`);
  const row = rows[0];
  return row ? { callback_id: id, data: row.data } : null;
}

export type CallbackFilters = {
  status?: string;
  leadId?: string;
  phone?: string;
  createdAfter?: string;
  createdBefore?: string;
  before?: string; // the cursor's id: the page starts after it, newest first
};

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listCallbacks(db: Db, owner: Owner, filters: CallbackFilters, limit: number): Promise<Json[]> {
  const where: SQL[] = [owned(owner)];
  if (filters.status) where.push(sql`c.status = ${filters.status}::callback_status`);
  if (filters.leadId) where.push(sql`c.lead_id = ${filters.leadId}`);
  // The caller's one lead with that phone (leads_phone_idx), then its callbacks by
  // callbacks_lead_idx: a condition on l.phone alone would be read from every callback's lead.
  if (filters.phone) {
    where.push(sql`c.lead_id = (SELECT p.id FROM leads p
      WHERE p.workspace_id = ${owner.workspaceId} AND p.mode = ${owner.mode}::mode AND p.phone = ${filters.phone})`);
  }
  where.push(...createdWithin("c", "callback", filters));
  if (filters.before) where.push(sql`c.id < ${filters.before}`);
  const { rows } = await db.execute<{ callback: Json }>(sql`
    SELECT ${callbackJson("c", "l")} AS callback
    FROM callbacks c JOIN leads l ON l.id = c.lead_id
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY c.id DESC LIMIT ${limit + 1}`);
  return rows.map((row) => row.callback);
}

export type Canceled = {
  found: boolean;
  status: string | null; // the status before the cancel, as the statement saw it
  callback: Json | null; // the canceled callback; null when it could not be canceled
  eventId: string | null;
};

/**
 * Cancels a callback waiting for its next call, and writes its callback.completed event with
 * the callback's final state, in one statement. A callback in any other state is left alone;
 * `status` then says which state that was.
 */
export async function cancelCallback(db: Db, owner: Owner, id: string, eventId: string, cancelable: readonly string[]): Promise<Canceled> {
  const states = sql.join(cancelable.map((s) => sql`${s}::callback_status`), sql`, `);
  const { rows } = await db.execute<{ status: string | null; callback: Json | null; event_id: string | null }>(sql`
WITH target AS (
  SELECT c.status FROM callbacks c WHERE c.id = ${id} AND ${owned(owner)}
), cb AS (
  UPDATE callbacks c SET status = 'canceled', canceled_at = now(), ended_reason = 'canceled_by_api',
                         next_attempt_at = NULL, hold = NULL, updated_at = now()
  WHERE c.id = ${id} AND ${owned(owner)} AND c.status IN (${states})
  RETURNING c.*
), lead AS (
  SELECT l.* FROM leads l JOIN cb ON l.id = cb.lead_id
), ev AS (
  INSERT INTO events (id, workspace_id, mode, type, data, created_at)
  SELECT ${eventId}, cb.workspace_id, cb.mode, ${eventType("callback.completed")}, ${callbackJson("cb", "lead")}, cb.updated_at
  FROM cb, lead
  RETURNING id
)
SELECT (SELECT status FROM target) AS status,
       (SELECT ${callbackJson("cb", "lead")} FROM cb, lead) AS callback,
       (SELECT id FROM ev) AS event_id`);
  const row = onlyRow(rows, "cancelCallback");
  return { found: row.status !== null, status: row.status, callback: row.callback, eventId: row.event_id };
}
