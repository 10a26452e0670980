import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { Mode } from "../../schemas/scopes.ts";
import { eventType } from "./events.ts";
import { leadJson } from "./resources.ts";

// Reads and updates of leads on the native API, scoped to the caller's workspace and mode, each
// returning the lead as leadJson builds it: the same object its lead.updated events carry.

export type Owner = { workspaceId: string; mode: Mode };
type Json = Record<string, unknown>;

const owned = (owner: Owner) => sql`l.workspace_id = ${owner.workspaceId} AND l.mode = ${owner.mode}::mode`;

export async function findLead(db: Db, owner: Owner, id: string): Promise<Json | null> {
  const { rows } = await db.execute<{ lead: Json }>(sql`SELECT ${leadJson("l")} AS lead FROM leads l WHERE l.id = ${id} AND ${owned(owner)}`);
  return rows[0]?.lead ?? null;
}

export type LeadFilters = { phone?: string; email?: string; name?: string; domainId?: string; before?: string };

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listLeads(db: Db, owner: Owner, filters: LeadFilters, limit: number): Promise<Json[]> {
  const where: SQL[] = [owned(owner)];
  if (filters.phone) where.push(sql`l.phone = ${filters.phone}`);
  if (filters.email) where.push(sql`lower(l.email) = lower(${filters.email})`);
  // A prefix, with LIKE's own characters taken literally.
  if (filters.name) where.push(sql`lower(l.name) LIKE lower(${filters.name.replace(/[\\%_]/g, "\\$&")}) || '%'`);
  if (filters.domainId) where.push(sql`l.domain_id = ${filters.domainId}`);
  if (filters.before) where.push(sql`l.id < ${filters.before}`);
  const { rows } = await db.execute<{ lead: Json }>(sql`
    SELECT ${leadJson("l")} AS lead FROM leads l
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY l.id DESC LIMIT ${limit + 1}`);
  return rows.map((row) => row.lead);
}

/** A field absent from the changes is left as it is; null clears it. */
export type LeadChanges = {
  name?: string | null;
  email?: string | null;
  phone2?: string | null;
  timezone?: string | null;
  customFields?: Record<string, unknown>;
  optedOut?: boolean;
};

/**
 * A new zone for the lead changes when its held callbacks may ring: they are made due now, and
 * the dialler decides again with the new zone (holding them again if it must). Only first
 * attempts: a retry's own wait is not stored apart from its hold, and must not be cut short.
 */
const recheckHeld = (leadId: SQL) => sql`
  UPDATE callbacks SET next_attempt_at = now(), updated_at = now()
  WHERE lead_id = ${leadId} AND status = 'scheduled' AND hold IS NOT NULL AND next_attempt_at > now() AND scheduled_at <= now()`;

/**
 * Applies the changes and writes the lead.updated event with the updated lead, in one
 * statement. Null when the lead is not the caller's.
 */
export async function updateLead(db: Db, owner: Owner, id: string, changes: LeadChanges, eventId: string): Promise<Json | null> {
  const set: SQL[] = [sql`updated_at = now()`];
  if (changes.name !== undefined) set.push(sql`name = ${changes.name}`);
  if (changes.email !== undefined) set.push(sql`email = ${changes.email}`);
  if (changes.phone2 !== undefined) set.push(sql`phone_2 = ${changes.phone2}`);
  if (changes.timezone !== undefined) set.push(sql`timezone = ${changes.timezone}`);
  if (changes.customFields !== undefined) {
    // Merge one level deep; a key given as null is removed rather than stored as null.
    const patch = sql`${JSON.stringify(changes.customFields)}::jsonb`;
    set.push(sql`custom_fields = (l.custom_fields || ${patch}) - ARRAY(SELECT key FROM jsonb_each(${patch}) WHERE jsonb_typeof(value) = 'null')`);
  }
  if (changes.optedOut !== undefined) {
    // Opting out again keeps the first time; opting back in clears it. SET reads the old row.
    set.push(sql`opted_out = ${changes.optedOut}::boolean`);
    set.push(sql`opted_out_at = CASE WHEN ${changes.optedOut}::boolean THEN CASE WHEN l.opted_out THEN coalesce(l.opted_out_at, now()) ELSE now() END END`);
  }
  const { rows } = await db.execute<{ lead: Json; event_id: string | null }>(sql`
WITH lead AS (
  UPDATE leads l SET ${sql.join(set, sql`, `)}
  WHERE l.id = ${id} AND ${owned(owner)}
  RETURNING l.*
), ev AS (
  INSERT INTO events (id, workspace_id, mode, type, data, created_at)
  SELECT ${eventId}, lead.workspace_id, lead.mode, ${eventType("lead.updated")}, ${leadJson("lead")}, lead.updated_at FROM lead
  RETURNING id
)${changes.timezone !== undefined ? sql`, recheck AS (${recheckHeld(sql`(SELECT id FROM lead)`)})` : sql``}
SELECT ${leadJson("lead")} AS lead, (SELECT id FROM ev) AS event_id FROM lead`);
  return rows[0]?.lead ?? null;
}
