import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../functions/lib/db.ts";
import type { BusinessHours } from "../schema/domains.ts";
import { callbackJson, callJson } from "./resources.ts";

// The dialler's statements. Each state change of a callback is a conditional UPDATE (only from
// the states it may leave), and the events it emits are inserted by the same statement, from
// the rows it returned: a change and its events commit together, exactly once.

export type DialContext = {
  id: string;
  workspace_id: string;
  mode: "live" | "test";
  lead_id: string;
  agent_id: string | null;
  agent_override: { name: string | null; phone: string } | null;
  attempt_count: number;
  max_attempts: number;
  retry_intervals_seconds: number[];
  timezone: string | null;
  lead_phone: string;
  lead_name: string | null;
  lead_timezone: string | null;
  opted_out: boolean;
  on_dnc: boolean;
  domain_timezone: string | null;
  business_hours: BusinessHours | null;
  holidays: string[] | null;
  calling_hours_start: string | null;
  calling_hours_end: string | null;
  daily_attempt_cap: number | null;
  record_calls: boolean | null;
  caller_id: string | null;
  attempts_24h: number;
  oldest_attempt_24h: string | null;
};

/** The attempt `a` is its callback `c`'s latest call: the current attempt, and its last leg. */
export const isCurrentLeg = sql`a.attempt_number = c.attempt_count
  AND a.leg = (SELECT max(x.leg) FROM call_attempts x WHERE x.callback_id = a.callback_id AND x.attempt_number = a.attempt_number)`;

const context = (claimed: SQL) => sql`
WITH cb AS (${claimed})
SELECT cb.id, cb.workspace_id, cb.mode, cb.lead_id, cb.agent_id, cb.agent_override, cb.attempt_count, cb.max_attempts,
       cb.retry_intervals_seconds, cb.timezone,
       l.phone AS lead_phone, l.name AS lead_name, l.timezone AS lead_timezone, l.opted_out,
       EXISTS (SELECT 1 FROM dnc_numbers n WHERE n.workspace_id = cb.workspace_id AND n.mode = cb.mode AND n.phone = l.phone) AS on_dnc,
       d.timezone AS domain_timezone, d.business_hours, d.holidays, d.calling_hours_start, d.calling_hours_end,
       coalesce(d.daily_attempt_cap, 3) AS daily_attempt_cap, d.record_calls, w.caller_id,
       (SELECT count(DISTINCT (a.callback_id, a.attempt_number))::int FROM call_attempts a JOIN callbacks o ON o.id = a.callback_id
         WHERE o.lead_id = cb.lead_id AND a.created_at > now() - interval '24 hours') AS attempts_24h,
       (SELECT to_char(min(a.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM call_attempts a JOIN callbacks o ON o.id = a.callback_id
         WHERE o.lead_id = cb.lead_id AND a.created_at > now() - interval '24 hours') AS oldest_attempt_24h
FROM cb JOIN leads l ON l.id = cb.lead_id JOIN workspaces w ON w.id = cb.workspace_id
LEFT JOIN domains d ON d.id = cb.domain_id`;

/** What the dialler knows of a callback, without claiming it (after a missed attempt). */
export async function loadContext(db: Db, callbackId: string): Promise<DialContext | null> {
  const { rows } = await db.execute(context(sql`SELECT * FROM callbacks WHERE id = ${callbackId}`));
  return (rows[0] as DialContext | undefined) ?? null;
}

/**
 * Claims a due callback for one dialler: a conditional update that exactly one of any number of
 * concurrent callers wins. The winner gets what it needs to decide and dial; others get null.
 */
export async function claimDue(db: Db, callbackId: string): Promise<DialContext | null> {
  const { rows } = await db.execute(
    context(sql`
      UPDATE callbacks SET status = 'dialing', claimed_at = now(), attempt_count = attempt_count + 1, updated_at = now()
      WHERE id = ${callbackId} AND status IN ('scheduled', 'retry_scheduled') AND next_attempt_at <= now()
      RETURNING *`),
  );
  return (rows[0] as DialContext | undefined) ?? null;
}

/** Gives a claim back untried: the callback waits for `at` (a calling window, the daily cap). */
export function releaseClaim(db: Db, callbackId: string, at: Date) {
  return db.execute(sql`
    UPDATE callbacks SET status = CASE WHEN attempt_count <= 1 THEN 'scheduled'::callback_status ELSE 'retry_scheduled'::callback_status END,
           attempt_count = attempt_count - 1, next_attempt_at = ${at.toISOString()}::timestamptz, claimed_at = NULL, updated_at = now()
    WHERE id = ${callbackId} AND status = 'dialing'`);
}

/**
 * Ends a callback that is still in play (scheduled, dialing, connected, retry_scheduled) with a
 * final status, and writes callback.completed, plus any `extra` events built from the same rows.
 */
export function finish(
  db: Db,
  callbackId: string,
  status: "completed" | "exhausted" | "blocked",
  reason: string | null,
  eventId: string,
) {
  return db.execute(sql`
    WITH cb AS (
      UPDATE callbacks SET status = ${status}::callback_status, ended_reason = ${reason}, completed_at = now(),
             next_attempt_at = NULL, updated_at = now()
      WHERE id = ${callbackId} AND status IN ('scheduled', 'retry_scheduled', 'dialing', 'connected')
      RETURNING *
    )
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${eventId}, cb.workspace_id, cb.mode, 'callback.completed', ${callbackJson("cb", "l")}
    FROM cb JOIN leads l ON l.id = cb.lead_id
    RETURNING id`);
}

/** Schedules the next attempt after a missed one. */
export function scheduleRetry(db: Db, callbackId: string, at: Date) {
  return db.execute(sql`
    UPDATE callbacks SET status = 'retry_scheduled', next_attempt_at = ${at.toISOString()}::timestamptz, claimed_at = NULL, updated_at = now()
    WHERE id = ${callbackId} AND status IN ('dialing', 'connected')
    RETURNING id`);
}

export type NewLeg = {
  id: string;
  callbackId: string;
  workspaceId: string;
  mode: "live" | "test";
  attemptNumber: number;
  leg: number;
  agentId: string | null;
  agentPhone: string;
  provider: "twilio" | "sandbox";
  eventId: string;
};

/** A leg of an attempt, its call.initiated event, and the agent's place in the round robin. */
export function insertLeg(db: Db, leg: NewLeg) {
  return db.execute(sql`
    WITH a AS (
      INSERT INTO call_attempts (id, workspace_id, mode, callback_id, agent_id, attempt_number, leg, agent_phone, provider)
      SELECT ${leg.id}, ${leg.workspaceId}, ${leg.mode}::mode, ${leg.callbackId}, ${leg.agentId}::text, ${leg.attemptNumber}, ${leg.leg},
             ${leg.agentPhone}, ${leg.provider}::telephony_provider
      FROM callbacks WHERE id = ${leg.callbackId} AND status = 'dialing'
      RETURNING *
    ), agent AS (
      UPDATE agents SET last_dialed_at = now() WHERE id = ${leg.agentId}::text AND EXISTS (SELECT 1 FROM a)
    )
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${leg.eventId}, a.workspace_id, a.mode, 'call.initiated', ${callJson("a", "c", "l")}
    FROM a JOIN callbacks c ON c.id = a.callback_id JOIN leads l ON l.id = c.lead_id
    RETURNING id`);
}

/** The active agents who may take a callback, longest since last dialled first (round robin). */
export async function agentsInTurn(db: Db, owner: { workspaceId: string; mode: "live" | "test" }, exclude: string[]) {
  const { rows } = await db.execute(sql`
    SELECT id, phone FROM agents
    WHERE workspace_id = ${owner.workspaceId} AND mode = ${owner.mode}::mode AND active
      AND NOT (id = ANY(${`{${exclude.join(",")}}`}::text[]))
    ORDER BY last_dialed_at ASC NULLS FIRST, id ASC
    LIMIT 1`);
  return (rows[0] as { id: string; phone: string } | undefined) ?? null;
}

export async function agentById(db: Db, owner: { workspaceId: string; mode: "live" | "test" }, id: string) {
  const { rows } = await db.execute(sql`
    SELECT id, phone, active FROM agents WHERE id = ${id} AND workspace_id = ${owner.workspaceId} AND mode = ${owner.mode}::mode`);
  return (rows[0] as { id: string; phone: string; active: boolean } | undefined) ?? null;
}

/** Records the provider's id for a placed call; says whether its callback is still in play. */
export async function setProviderCallId(db: Db, attemptId: string, callId: string): Promise<boolean> {
  const { rows } = await db.execute(sql`
    UPDATE call_attempts a SET provider_call_id = coalesce(a.provider_call_id, ${callId}), updated_at = now()
    FROM callbacks c WHERE a.id = ${attemptId} AND c.id = a.callback_id
    RETURNING c.status IN ('dialing', 'connected') AS live`);
  return (rows[0] as { live: boolean } | undefined)?.live ?? false;
}

export function setLegError(db: Db, attemptId: string, error: string) {
  return db.execute(sql`UPDATE call_attempts SET error = ${error.slice(0, 500)}, updated_at = now() WHERE id = ${attemptId}`);
}

/** Callbacks whose time has come and that no dialler holds: the cron hands them to the queue. */
export async function dueCallbacks(db: Db, limit: number): Promise<string[]> {
  const { rows } = await db.execute(sql`
    SELECT id FROM callbacks
    WHERE status IN ('scheduled', 'retry_scheduled') AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT ${limit}`);
  return rows.map((r) => (r as { id: string }).id);
}

export async function attemptForTwiml(db: Db, attemptId: string) {
  const { rows } = await db.execute(sql`
    SELECT l.phone AS "leadPhone", l.name AS "leadName", coalesce(d.record_calls, false) AS record
    FROM call_attempts a JOIN callbacks c ON c.id = a.callback_id JOIN leads l ON l.id = c.lead_id
    LEFT JOIN domains d ON d.id = c.domain_id
    -- Only the call that is still the callback's current one may bridge the lead: not after a
    -- cancel, nor for an earlier leg or attempt.
    WHERE a.id = ${attemptId} AND c.status = 'dialing' AND ${isCurrentLeg}`);
  return (rows[0] as { leadPhone: string; leadName: string | null; record: boolean } | undefined) ?? null;
}

/** The calls of a callback still ringing or talking: what a cancel must hang up. */
export async function liveCalls(db: Db, callbackId: string): Promise<string[]> {
  const { rows } = await db.execute(sql`
    SELECT provider_call_id FROM call_attempts
    WHERE callback_id = ${callbackId} AND provider_call_id IS NOT NULL AND status IN ('queued', 'ringing', 'in-progress')`);
  return rows.map((r) => (r as { provider_call_id: string }).provider_call_id);
}

/**
 * Callbacks whose call went silent: in dialing or connected for a quarter of an hour with no leg
 * of their current attempt ringing or talking (recently). A dialler that died after its claim, or
 * a final status callback that never came, leaves these; the cron ends their attempt as missed.
 */
export async function silentCallbacks(db: Db, limit: number): Promise<string[]> {
  const { rows } = await db.execute(sql`
    SELECT c.id FROM callbacks c
    WHERE c.status IN ('dialing', 'connected') AND c.updated_at < now() - interval '15 minutes'
      AND NOT EXISTS (
        SELECT 1 FROM call_attempts a
        WHERE a.callback_id = c.id AND a.attempt_number = c.attempt_count AND a.updated_at > now() - interval '4 hours'
          AND (a.status IN ('queued', 'ringing', 'in-progress') OR a.lead_status IN ('queued', 'ringing', 'in-progress')))
    ORDER BY c.updated_at LIMIT ${limit}`);
  return rows.map((r) => (r as { id: string }).id);
}
