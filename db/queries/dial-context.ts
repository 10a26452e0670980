import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { BusinessHours } from "../schema/domains.ts";

// What the dialler knows of a callback when it decides: the callback, its lead, its domain's
// hours and caps, its workspace's zone and hours, whether the number may be called at all, the
// lead's recent calls, and the consent the lead gave last. One statement, whether or not it
// claims the callback as it reads it.

/** A domain's hours and cap, as the lawful-calling decision reads them. */
export type DomainSettings = {
  timezone: string;
  business_hours: BusinessHours;
  holidays: string[];
  calling_hours_start: string;
  calling_hours_end: string;
  daily_attempt_cap: number;
};

export type DialContext = {
  id: string;
  workspace_id: string;
  mode: "live" | "test";
  lead_id: string;
  domain_id: string | null;
  agent_id: string | null;
  agent_override: { name: string | null; phone: string } | null;
  attempt_count: number;
  max_attempts: number;
  retry_intervals_seconds: number[];
  timezone: string | null;
  status: string;
  scheduled_at: string;
  next_attempt_at: string | null;
  hold: unknown;
  lead_phone: string;
  lead_name: string | null;
  lead_timezone: string | null;
  opted_out: boolean;
  on_dnc: boolean;
  /** The callback's domain's settings; null for a callback without a domain. */
  domain: DomainSettings | null;
  record_calls: boolean | null;
  /** After a voicemail is left, whether the callback is tried again (the domain's; true without one). */
  retry_after_voicemail: boolean;
  /** How many agents are rung at once: the domain's simultaneous_ring where it asks for a key press, else 1. */
  simultaneous_ring: number;
  caller_id: string | null;
  workspace_timezone: string | null;
  workspace_calling_hours_start: string | null;
  workspace_calling_hours_end: string | null;
  /** When each of the lead's calls in the last 31 days began (one per attempt), ISO 8601. */
  recent_attempts: string[];
  consent: { id: string; text_sha256: string; checked: boolean; version: string | null; created_at: string } | null;
};

const iso = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// A lead's calls in the last 31 days, one per attempt, newest first: the longest cap in the
// rulebook counts 30 days (France), and no cap is over 100 calls.
const recentAttempts = (leadId: SQL) => sql`
          SELECT min(a.created_at) AS started FROM call_attempts a JOIN callbacks o ON o.id = a.callback_id
          WHERE o.lead_id = ${leadId} AND a.created_at > now() - interval '31 days'
          GROUP BY a.callback_id, a.attempt_number ORDER BY started DESC LIMIT 100`;

/** When each of a lead's recent calls began, as a JSON array of ISO 8601 times. */
export const recentAttemptsOf = (leadId: SQL) =>
  sql`(SELECT coalesce(jsonb_agg(${iso(sql`x.started`)} ORDER BY x.started DESC), '[]'::jsonb) FROM (${recentAttempts(leadId)}) x)`;

/** How many recent calls the lead has had: a decision made on a count that has since changed is stale. */
export const recentAttemptCountOf = (leadId: SQL) => sql`(SELECT count(*)::int FROM (${recentAttempts(leadId)}) x)`;

const contextOf = (callbacks: SQL) => sql`
WITH cb AS (${callbacks})
SELECT cb.id, cb.workspace_id, cb.mode, cb.lead_id, cb.domain_id, cb.agent_id, cb.agent_override, cb.attempt_count, cb.max_attempts,
       cb.retry_intervals_seconds, cb.timezone, cb.status, ${iso(sql`cb.scheduled_at`)} AS scheduled_at,
       ${iso(sql`cb.next_attempt_at`)} AS next_attempt_at, cb.hold,
       l.phone AS lead_phone, l.name AS lead_name, l.timezone AS lead_timezone, l.opted_out,
       EXISTS (SELECT 1 FROM dnc_numbers n WHERE n.workspace_id = cb.workspace_id AND n.mode = cb.mode AND n.phone = l.phone) AS on_dnc,
       CASE WHEN d.id IS NOT NULL THEN jsonb_build_object('timezone', d.timezone, 'business_hours', d.business_hours,
         'holidays', to_jsonb(d.holidays), 'calling_hours_start', d.calling_hours_start, 'calling_hours_end', d.calling_hours_end,
         'daily_attempt_cap', d.daily_attempt_cap) END AS domain,
       d.record_calls, coalesce(d.retry_after_voicemail, true) AS retry_after_voicemail,
       CASE WHEN coalesce(d.agent_accept, true) THEN coalesce(d.simultaneous_ring, 1) ELSE 1 END AS simultaneous_ring, w.caller_id,
       w.timezone AS workspace_timezone, w.calling_hours_start AS workspace_calling_hours_start,
       w.calling_hours_end AS workspace_calling_hours_end,
       ${recentAttemptsOf(sql`cb.lead_id`)} AS recent_attempts,
       -- The consent relied on: the one that came with this callback (or its form response), else
       -- the lead's latest ticked one, else its latest.
       (SELECT jsonb_build_object('id', k.id, 'text_sha256', k.text_sha256, 'checked', k.checked, 'version', k.version,
               'created_at', ${iso(sql`k.created_at`)})
          FROM consents k WHERE k.lead_id = cb.lead_id
          ORDER BY (k.source_id IN (cb.id, cb.source_id)) DESC, k.checked DESC, k.created_at DESC, k.id DESC LIMIT 1) AS consent
FROM cb JOIN leads l ON l.id = cb.lead_id JOIN workspaces w ON w.id = cb.workspace_id
LEFT JOIN domains d ON d.id = cb.domain_id`;

/** What the dialler knows of a callback, without claiming it (after a missed attempt; eligibility). */
export async function loadContext(db: Db, callbackId: string): Promise<DialContext | null> {
  const { rows } = await db.execute<DialContext>(contextOf(sql`SELECT * FROM callbacks WHERE id = ${callbackId}`));
  return rows[0] ?? null;
}

/** The same, only for the caller's own callback (the eligibility API). */
export async function loadOwnContext(db: Db, owner: { workspaceId: string; mode: "live" | "test" }, callbackId: string) {
  const { rows } = await db.execute<DialContext>(
    contextOf(sql`SELECT * FROM callbacks WHERE id = ${callbackId} AND workspace_id = ${owner.workspaceId} AND mode = ${owner.mode}::mode`),
  );
  return rows[0] ?? null;
}

/**
 * Claims a due callback for one dialler: a conditional update that exactly one of any number of
 * concurrent callers wins. The winner gets what it needs to decide and dial; others get null.
 */
export async function claimDue(db: Db, callbackId: string): Promise<DialContext | null> {
  const { rows } = await db.execute<DialContext>(
    contextOf(sql`
      UPDATE callbacks SET status = 'dialing', claimed_at = now(), attempt_count = attempt_count + 1, updated_at = now()
      WHERE id = ${callbackId} AND status IN ('scheduled', 'retry_scheduled') AND next_attempt_at <= now()
      RETURNING *`),
  );
  return rows[0] ?? null;
}
