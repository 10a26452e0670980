import { sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { telephonyProvider } from "../schema/call-attempts.ts";
import type { CallbackHold } from "../schema/callbacks.ts";
import { decisionCte, type NewDecision } from "./compliance.ts";
import { onACall } from "./agents-on-call.ts";
import { releaseSlot } from "./release.ts";
import { recentAttemptCountOf } from "./dial-context.ts";
import { eventType } from "./events.ts";
import { callbackJson, callJson } from "./resources.ts";

// The dialler's statements. Each state change of a callback is a conditional UPDATE (only from
// the states it may leave), and the events it emits are inserted by the same statement, from
// the rows it returned: a change and its events commit together, exactly once.

/** The name of the provider that placed a call, as stored: the keys of functions/calls/providers.ts. */
export type StoredProvider = (typeof telephonyProvider.enumValues)[number];

/**
 * The attempt `a` is its callback `c`'s latest call: the current attempt, its last group of legs
 * (one leg, unless agents were rung at once), and, once an agent of that group took the call,
 * that agent's leg only.
 */
export const isCurrentLeg = sql`a.attempt_number = c.attempt_count
  AND a.ring_group = (SELECT max(x.ring_group) FROM call_attempts x WHERE x.callback_id = a.callback_id AND x.attempt_number = a.attempt_number)
  AND (a.accepted_at IS NOT NULL OR NOT EXISTS (
    SELECT 1 FROM call_attempts y
    WHERE y.callback_id = a.callback_id AND y.attempt_number = a.attempt_number AND y.ring_group = a.ring_group AND y.accepted_at IS NOT NULL))`;

/**
 * Gives a claim back untried: the callback waits for `at` (a calling window, a cap, an agent)
 * with the hold that explains it, in its place among those held for the same moment; writes
 * callback.held, and records the decision. One statement.
 */
export function holdClaim(db: Db, callbackId: string, at: Date, hold: CallbackHold, eventId: string, decision: NewDecision) {
  // Waiting for a busy agent is looked at every minute: callback.held says so the first time, not
  // each minute after (the decisions are all recorded in the lead's chain).
  const again = hold.rule === "agents_busy";
  return db.execute(sql`
    WITH before AS (
      SELECT hold FROM callbacks WHERE id = ${callbackId}
    ), cb AS (
      UPDATE callbacks SET status = CASE WHEN attempt_count <= 1 THEN 'scheduled'::callback_status ELSE 'retry_scheduled'::callback_status END,
             attempt_count = attempt_count - 1, next_attempt_at = ${releaseSlot(at, hold.until, { domain: sql`callbacks.domain_id`, workspace: sql`callbacks.workspace_id`, mode: sql`callbacks.mode`, self: sql`callbacks.id` })}, hold = ${JSON.stringify(hold)}::jsonb,
             claimed_at = NULL, updated_at = now()
      WHERE id = ${callbackId} AND status = 'dialing'
      RETURNING *
    ), ${decisionCte(decision, "cb")}
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${eventId}, cb.workspace_id, cb.mode, ${eventType("callback.held")}, ${callbackJson("cb", "l")}
    FROM cb JOIN leads l ON l.id = cb.lead_id
    WHERE NOT (${again} AND coalesce((SELECT hold->>'rule' FROM before), '') = 'agents_busy')
    RETURNING id`);
}

/**
 * Ends a callback that is still in play (scheduled, dialing, connected, retry_scheduled) with a
 * final status, and writes callback.completed; with a decision (a block), records it too.
 */
export function finish(
  db: Db,
  callbackId: string,
  status: "completed" | "exhausted" | "blocked",
  reason: string | null,
  eventId: string,
  decision?: NewDecision,
) {
  return db.execute(sql`
    WITH cb AS (
      UPDATE callbacks SET status = ${status}::callback_status, ended_reason = ${reason}, completed_at = now(),
             next_attempt_at = NULL, hold = NULL, updated_at = now()
      WHERE id = ${callbackId} AND status IN ('scheduled', 'retry_scheduled', 'dialing', 'connected')
      RETURNING *
    )${decision ? sql`, ${decisionCte(decision, "cb")}` : sql``}
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${eventId}, cb.workspace_id, cb.mode, ${eventType("callback.completed")}, ${callbackJson("cb", "l")}
    FROM cb JOIN leads l ON l.id = cb.lead_id
    RETURNING id`);
}

/** Schedules the next attempt after a missed one, with the hold that explains a later time. */
export function scheduleRetry(db: Db, callbackId: string, at: Date, hold: CallbackHold | null) {
  return db.execute(sql`
    UPDATE callbacks SET status = 'retry_scheduled', next_attempt_at = ${at.toISOString()}::timestamptz,
           hold = ${hold ? JSON.stringify(hold) : null}::jsonb, claimed_at = NULL, updated_at = now()
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
  /** The first leg of the group rung at once; the leg itself when rung alone. */
  ringGroup: number;
  agentId: string | null;
  agentPhone: string;
  provider: StoredProvider;
  eventId: string;
  /** The dialler's decision, for an attempt's first leg, and how many recent calls it counted. */
  decision: { record: NewDecision; leadAttemptsSeen: number } | null;
};

/**
 * A leg of an attempt, its call.initiated event, the agent's place in the round robin, and for
 * an attempt's first leg the decision to dial; the callback's hold is cleared.
 */
export function insertLeg(db: Db, leg: NewLeg) {
  return db.execute(sql`
    WITH a AS (
      INSERT INTO call_attempts (id, workspace_id, mode, callback_id, agent_id, attempt_number, leg, ring_group, agent_phone, provider)
      SELECT ${leg.id}, ${leg.workspaceId}, ${leg.mode}::mode, ${leg.callbackId}, ${leg.agentId}::text, ${leg.attemptNumber}, ${leg.leg}, ${leg.ringGroup},
             ${leg.agentPhone}, ${leg.provider}::telephony_provider
      FROM callbacks WHERE id = ${leg.callbackId} AND status = 'dialing'
        -- An agent already on a call is not rung again (under lockAgent, so two dialers agree).
        AND NOT (${leg.agentId}::text IS NOT NULL AND ${onACall(sql`${leg.agentId}::text`)})
        -- Decided on a count of the lead's calls that another callback's call has since changed
        -- (both decided before either dialled): place nothing, and let the dialler decide again.
        ${leg.decision ? sql`AND ${recentAttemptCountOf(sql`${leg.decision.record.leadId}::text`)} = ${leg.decision.leadAttemptsSeen}` : sql``}
      -- The same leg placed twice (a repeated status calling the next agent): the first stands.
      ON CONFLICT (callback_id, attempt_number, leg) DO NOTHING
      RETURNING *
    ), agent AS (
      UPDATE agents SET last_dialed_at = now() WHERE id = ${leg.agentId}::text AND EXISTS (SELECT 1 FROM a)
    ), unheld AS (
      UPDATE callbacks SET hold = NULL WHERE id = ${leg.callbackId} AND hold IS NOT NULL AND EXISTS (SELECT 1 FROM a)
    )${leg.decision ? sql`, ${decisionCte(leg.decision.record, "a")}` : sql``}
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${leg.eventId}, a.workspace_id, a.mode, ${eventType("call.initiated")}, ${callJson("a", "c", "l")}
    FROM a JOIN callbacks c ON c.id = a.callback_id JOIN leads l ON l.id = c.lead_id
    RETURNING id`);
}

/** Whether a callback is still being dialled: after a leg was refused, tells a race from a cancel. */
export async function stillDialing(db: Db, callbackId: string): Promise<boolean> {
  const { rows } = await db.execute(sql`SELECT 1 FROM callbacks WHERE id = ${callbackId} AND status = 'dialing'`);
  return rows.length > 0;
}

/** Gives a claim back untried with nothing decided, due now: the dialler decides again. */
export function releaseClaim(db: Db, callbackId: string) {
  return db.execute(sql`
    UPDATE callbacks SET status = CASE WHEN attempt_count <= 1 THEN 'scheduled'::callback_status ELSE 'retry_scheduled'::callback_status END,
           attempt_count = attempt_count - 1, next_attempt_at = now(), claimed_at = NULL, updated_at = now()
    WHERE id = ${callbackId} AND status = 'dialing'`);
}

/**
 * Records the provider's id for a placed call; says whether it is still wanted: its callback in
 * play, and the call still current (not one of a group another agent took while it was placed).
 */
export async function setProviderCallId(db: Db, attemptId: string, callId: string): Promise<boolean> {
  const { rows } = await db.execute<{ live: boolean }>(sql`
    UPDATE call_attempts a SET provider_call_id = coalesce(a.provider_call_id, ${callId}), updated_at = now()
    FROM callbacks c WHERE a.id = ${attemptId} AND c.id = a.callback_id
    RETURNING c.status IN ('dialing', 'connected') AND ${isCurrentLeg} AS live`);
  return rows[0]?.live ?? false;
}

export function setLegError(db: Db, attemptId: string, error: string) {
  return db.execute(sql`UPDATE call_attempts SET error = ${error.slice(0, 500)}, updated_at = now() WHERE id = ${attemptId}`);
}

/** Where a walk of the due callbacks stopped: the last one's due time (as PostgreSQL wrote it) and id. */
export type DueCursor = { at: string; id: string };

/**
 * Callbacks whose time has come and that no dialler holds, in due order, after `after` if given:
 * the cron hands them to the queue a page at a time. Read on callbacks_due_idx, whose key is the
 * order, so a page reads its own rows and a backlog behind it costs nothing.
 */
export async function dueCallbacks(db: Db, limit: number, after?: DueCursor): Promise<{ ids: string[]; next: DueCursor | null }> {
  const { rows } = await db.execute<{ id: string; at: string }>(sql`
    SELECT id, next_attempt_at::text AS at FROM callbacks
    WHERE status IN ('scheduled', 'retry_scheduled') AND next_attempt_at <= now()
      ${after ? sql`AND (next_attempt_at, id) > (${after.at}::timestamptz, ${after.id})` : sql``}
    ORDER BY next_attempt_at, id LIMIT ${limit}`);
  const last = rows.at(-1);
  return { ids: rows.map((r) => r.id), next: rows.length === limit && last ? { at: last.at, id: last.id } : null };
}

/** The calls of a callback still ringing or talking, and who placed each: what a cancel must hang up. */
export async function liveCalls(db: Db, callbackId: string): Promise<{ provider: StoredProvider; callId: string }[]> {
  const { rows } = await db.execute<{ provider: StoredProvider; callId: string }>(sql`
    SELECT provider, provider_call_id AS "callId" FROM call_attempts
    WHERE callback_id = ${callbackId} AND provider_call_id IS NOT NULL AND status IN ('queued', 'ringing', 'in-progress')`);
  return rows;
}

/**
 * Callbacks whose call went silent: in dialing or connected, with no word of their current
 * attempt (no status, no check) for a quarter of an hour. The cron asks how each call went.
 *
 * Read on callbacks_in_play_idx, oldest first, each one's latest word looked up by its own
 * attempt's legs (a lateral lookup, never a join over all of call_attempts), and stopped at
 * `limit`: a run reads the callbacks in play longer than a quarter of an hour and no further, so
 * the callbacks table's history costs it nothing. Only calls still talking after a quarter of an
 * hour are read without being taken, and there are as many of them as calls under way.
 */
export async function silentCallbacks(db: Db, limit: number): Promise<string[]> {
  const { rows } = await db.execute<{ id: string }>(sql`
    SELECT c.id FROM callbacks c
    LEFT JOIN LATERAL (
      SELECT a.updated_at FROM call_attempts a
      WHERE a.callback_id = c.id AND a.attempt_number = c.attempt_count
      ORDER BY a.updated_at DESC LIMIT 1
    ) latest ON true
    WHERE c.status IN ('dialing', 'connected') AND c.updated_at < now() - interval '15 minutes'
      AND (latest.updated_at IS NULL OR latest.updated_at <= now() - interval '15 minutes')
    ORDER BY c.updated_at LIMIT ${limit}`);
  return rows.map((r) => r.id);
}
