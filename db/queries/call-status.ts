import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { AttemptOutcome, StatusUpdate } from "../../schemas/telephony.ts";
import type { CallbackHold } from "../schema/callbacks.ts";
import { isCurrentLeg, type StoredProvider } from "./call-attempts.ts";
import { eventType } from "./events.ts";
import { callbackJson, callJson, isoSql } from "./resources.ts";
import { onlyRow } from "./rows.ts";

export type LegRow = {
  id: string;
  callback_id: string;
  workspace_id: string;
  mode: "live" | "test";
  attempt_number: number;
  leg: number;
  ring_group: number;
  agent_id: string | null;
  status: string;
  lead_status: string | null;
  answered_at: string | null;
};

// Queued, ringing, answered, ended: a call only moves forward. An update of a lower or equal rank
// (a ringing after completed, a repeat) or an older SequenceNumber changes nothing.
const rank = (status: ReturnType<typeof sql>) =>
  sql`(CASE WHEN ${status} IS NULL THEN -1 WHEN ${status} = 'queued' THEN 0 WHEN ${status} = 'ringing' THEN 1
        WHEN ${status} = 'in-progress' THEN 2 ELSE 3 END)`;

/** Applies one status update to its leg if it moves the leg forward; null if it does not. */
export async function advanceLeg(db: Db, u: StatusUpdate): Promise<LegRow | null> {
  const status = sql`${u.status}::attempt_status`;
  const agent = u.leg === "agent";
  const terminal = !["queued", "ringing", "in-progress"].includes(u.status);
  const [statusCol, seqCol, callCol] = agent
    ? [sql.raw("status"), sql.raw("last_sequence_number"), sql.raw("provider_call_id")]
    : [sql.raw("lead_status"), sql.raw("lead_sequence_number"), sql.raw("lead_call_id")];
  const { rows } = await db.execute<LegRow>(sql`
    UPDATE call_attempts a SET
      ${statusCol} = ${status},
      ${seqCol} = coalesce(${u.sequence}::int, a.${seqCol}),
      ${callCol} = coalesce(a.${callCol}, ${u.callId}),
      -- A completed lead call with talk time was answered, even if its "in-progress" comes later.
      answered_at = CASE WHEN ${!agent && u.status === "in-progress"} THEN coalesce(a.answered_at, now())
                         WHEN ${!agent && u.status === "completed"} AND coalesce(${u.durationSeconds ?? null}::int, 0) > 0
                           THEN coalesce(a.answered_at, now() - ${u.durationSeconds ?? 0}::int * interval '1 second')
                         ELSE a.answered_at END,
      ended_at = CASE WHEN ${terminal} AND (${!agent} OR a.lead_status IS NULL) THEN coalesce(a.ended_at, now()) ELSE a.ended_at END,
      duration_seconds = CASE WHEN ${!agent} THEN coalesce(${u.durationSeconds ?? null}::int, a.duration_seconds) ELSE a.duration_seconds END,
      recording_url = coalesce(${u.recordingUrl ?? null}::text, a.recording_url),
      updated_at = now()
    WHERE a.id = ${u.attemptId}
      AND ${rank(sql`a.${statusCol}::text`)} < ${rank(sql`${u.status}::text`)}
      AND (${u.sequence}::int IS NULL OR a.${seqCol} IS NULL OR a.${seqCol} < ${u.sequence}::int)
      AND (a.${callCol} IS NULL OR a.${callCol} = ${u.callId})
    RETURNING a.id, a.callback_id, a.workspace_id, a.mode, a.attempt_number, a.leg, a.ring_group, a.agent_id, a.status, a.lead_status,
              ${isoSql(sql`a.answered_at`)} AS answered_at`);
  return rows[0] ?? null;
}

/** The lead answered: the callback is connected. */
export function connect(db: Db, attemptId: string, eventId: string) {
  return db.execute(sql`
    WITH cb AS (
      UPDATE callbacks c SET status = 'connected', updated_at = now()
      FROM call_attempts a WHERE a.id = ${attemptId} AND c.id = a.callback_id AND c.status = 'dialing' AND ${isCurrentLeg}
      RETURNING c.*
    )
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${eventId}, a.workspace_id, a.mode, ${eventType("call.connected")}, ${callJson("a", "cb", "l")}
    FROM cb JOIN call_attempts a ON a.id = ${attemptId} JOIN leads l ON l.id = cb.lead_id
    RETURNING id`);
}

/**
 * What happens after a missed attempt: a retry at `at` (with the hold that explains it), or the
 * end: exhausted (max_attempts), or completed (a voicemail left was enough).
 */
export type AfterMiss = { retryAt: Date; hold: CallbackHold | null } | { end: "exhausted" | "completed"; reason: string };

/**
 * A missed attempt, in one statement: the callback retries or ends, with call.missed (and, at
 * the end, callback.completed), only if this attempt is still its current call in play, so a
 * repeated or recovered status cannot miss it twice.
 */
export function missAttempt(db: Db, attemptId: string, reason: string, after: AfterMiss, ids: { missed: string; completed: string }) {
  const end = "end" in after ? after : null;
  const retryAt = "retryAt" in after ? after.retryAt.toISOString() : null;
  const hold = "hold" in after && after.hold ? JSON.stringify(after.hold) : null;
  return db.execute(sql`
    WITH cb AS (
      UPDATE callbacks c SET
        status = ${end?.end ?? "retry_scheduled"}::callback_status,
        next_attempt_at = ${retryAt}::timestamptz, hold = ${hold}::jsonb,
        ended_reason = coalesce(${end?.reason ?? null}::text, c.ended_reason),
        completed_at = CASE WHEN ${end !== null} THEN now() ELSE c.completed_at END,
        claimed_at = NULL, updated_at = now()
      FROM call_attempts a WHERE a.id = ${attemptId} AND c.id = a.callback_id AND c.status IN ('dialing', 'connected') AND ${isCurrentLeg}
      RETURNING c.*
    )
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${ids.missed}, a.workspace_id, a.mode, ${eventType("call.missed")}, ${callJson("a", "cb", "l")} || jsonb_build_object('reason', ${reason}::text)
    FROM cb JOIN call_attempts a ON a.id = ${attemptId} JOIN leads l ON l.id = cb.lead_id
    UNION ALL
    SELECT ${ids.completed}, cb.workspace_id, cb.mode, ${eventType("callback.completed")}, ${callbackJson("cb", "l")}
    FROM cb JOIN leads l ON l.id = cb.lead_id WHERE ${end !== null}
    RETURNING id`);
}

export type LegState = LegRow & {
  /** Who answered the lead's call (answer.ts), and how the attempt ended where Ringback decided it. */
  answered_by: string | null;
  outcome: AttemptOutcome | null;
  provider: StoredProvider;
  provider_call_id: string | null;
  lead_call_id: string | null;
  callback_status: string;
  /** When the callback last changed: how long it has been in play without news. */
  callback_updated_at: string;
  current: boolean;
};

const legStateOf = (where: SQL) => sql`
  SELECT a.id, a.callback_id, a.workspace_id, a.mode, a.attempt_number, a.leg, a.ring_group, a.agent_id, a.status, a.lead_status,
         ${isoSql(sql`a.answered_at`)} AS answered_at, a.answered_by, a.outcome, a.provider, a.provider_call_id, a.lead_call_id,
         c.status AS callback_status, ${isoSql(sql`c.updated_at`)} AS callback_updated_at, (${isCurrentLeg}) AS current
  FROM call_attempts a JOIN callbacks c ON c.id = a.callback_id
  WHERE ${where}`;

/** A leg as stored, and whether it is still its callback's current call. */
export async function legState(db: Db, attemptId: string): Promise<LegState | null> {
  const { rows } = await db.execute<LegState>(legStateOf(sql`a.id = ${attemptId}`));
  return rows[0] ?? null;
}

/**
 * The current calls of a callback in play: its current attempt's last leg, or every leg of a group
 * rung at once and not yet taken (in leg order); none if no call was placed.
 */
export async function currentLegs(db: Db, callbackId: string): Promise<LegState[]> {
  const { rows } = await db.execute<LegState>(sql`${legStateOf(sql`a.callback_id = ${callbackId} AND ${isCurrentLeg}`)} ORDER BY a.leg`);
  return rows;
}

/** A silent call the provider says is still ringing or talking: looked at again in a quarter of an hour. */
export async function touchLeg(db: Db, attemptId: string): Promise<void> {
  await db.execute(sql`UPDATE call_attempts SET updated_at = now() WHERE id = ${attemptId}`);
}

export type CompletionIds = { callCompleted: string; postCall: string; callbackCompleted: string };

/**
 * The lead and agent talked and hung up: the callback is completed, with call.completed, the
 * agent's post_call (seed 002's payload), callback.completed, and a call log in seed 001's shape.
 */
export function complete(db: Db, attemptId: string, providerCallerId: string | null, ids: CompletionIds) {
  const end = sql`coalesce(a.ended_at, now())`;
  const duration = sql`coalesce(a.duration_seconds, greatest(0, extract(epoch FROM (${end} - a.answered_at))::int))`;
  // The conversation began its talk time before it ended: the provider's duration is the
  // measure, not when its status callbacks happened to arrive (the sandbox's arrive at once).
  const start = sql`(a.end_at - a.talk_seconds * interval '1 second')`;
  const handledBy = sql`coalesce(ag.name, a.agent_phone)`;
  // The number the call came from: the workspace's caller id, else its provider's (Telephony.callerId).
  const from = sql`coalesce(a.workspace_caller_id, ${providerCallerId}::text, a.agent_phone)`;
  return db.execute(sql`
    WITH cb AS (
      UPDATE callbacks c SET status = 'completed', ended_reason = 'answered', completed_at = now(), next_attempt_at = NULL, updated_at = now()
      FROM call_attempts a WHERE a.id = ${attemptId} AND c.id = a.callback_id AND c.status IN ('dialing', 'connected') AND ${isCurrentLeg}
      RETURNING c.*
    ), done AS (
      SELECT a.*, cb.lead_id, ${duration} AS talk_seconds, ${end} AS end_at, w.caller_id AS workspace_caller_id
      FROM cb JOIN call_attempts a ON a.id = ${attemptId} JOIN workspaces w ON w.id = cb.workspace_id
    ), log AS (
      INSERT INTO call_logs (workspace_id, mode, from_phone, to_phone, handled_by, department, start_time, end_time, recording_url, title, call_attempt_id)
      SELECT a.workspace_id, a.mode, ${from}, l.phone, ${handledBy}, ag.department,
             to_char(${start} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')::timestamp,
             to_char(greatest(a.end_at, ${start} + interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')::timestamp,
             coalesce(a.recording_url, ''), 'Call from ' || ${from} || ' to ' || l.phone || ' (handled by ' || ${handledBy} || ')', a.id
      FROM done a JOIN leads l ON l.id = a.lead_id LEFT JOIN agents ag ON ag.id = a.agent_id
    )
    INSERT INTO events (id, workspace_id, mode, type, data)
    SELECT ${ids.callCompleted}, a.workspace_id, a.mode, ${eventType("call.completed")}, ${callJson("a", "cb", "l")} || jsonb_build_object('duration_seconds', a.talk_seconds)
    FROM done a JOIN cb ON true JOIN leads l ON l.id = cb.lead_id
    UNION ALL
    SELECT ${ids.postCall}, a.workspace_id, a.mode, ${eventType("post_call")}, jsonb_build_object(
      'webhook_version', 'v1', 'webhook_timestamp', ${isoSql(sql`now()`)}, 'webhook_type', 'post_call',
      'call_id', a.id, 'agent_id', a.agent_id, 'phone_number', l.phone, 'from_phone_number', ${from},
      'status', 'done', 'intent', NULL, 'intent_confidence', NULL,
      'lead_data', jsonb_build_object('name', l.name, 'email', l.email, 'phone', l.phone),
      'duration_minutes', round(a.talk_seconds / 60.0, 2), 'duration_seconds', a.talk_seconds,
      'start_time', ${isoSql(start)}, 'end_time', ${isoSql(sql`a.end_at`)},
      'call_successful', 'success', 'language', NULL, 'credits_deducted', NULL, 'recording_url', a.recording_url,
      'answered_by', a.answered_by,
      -- What the callback was asked for with (make-call's metadata), and which callback and attempt this was.
      'metadata', cb.metadata || jsonb_build_object('callback_id', a.callback_id, 'attempt_number', a.attempt_number))
    FROM done a JOIN cb ON true JOIN leads l ON l.id = a.lead_id WHERE a.agent_id IS NOT NULL
    UNION ALL
    SELECT ${ids.callbackCompleted}, cb.workspace_id, cb.mode, ${eventType("callback.completed")}, ${callbackJson("cb", "l")}
    FROM cb JOIN leads l ON l.id = cb.lead_id
    RETURNING id`);
}

/** A recording arrived after the call: keep it on the attempt and its call log. */
export function saveRecordingUrl(db: Db, attemptId: string, url: string) {
  return db.batch([
    db.execute(sql`UPDATE call_attempts SET recording_url = ${url}, updated_at = now() WHERE id = ${attemptId}`),
    db.execute(sql`UPDATE call_logs SET recording_url = ${url} WHERE call_attempt_id = ${attemptId}`),
  ]);
}

/**
 * Agents already rung in this attempt, so the next leg tries someone else, and when the attempt
 * began, as recent_attempts writes it (dial-context.ts), so a decision about its next leg does not
 * count the attempt against the lead's caps.
 */
export async function agentsTried(db: Db, callbackId: string, attemptNumber: number): Promise<{ tried: string[]; legs: number; group: number; started: string | null }> {
  const { rows } = await db.execute<{ tried: string[]; legs: number; group: number; started: string | null }>(sql`
    -- legs: the next leg's number (one past the highest; a leg that failed to be placed leaves a gap).
    SELECT coalesce(array_agg(agent_id) FILTER (WHERE agent_id IS NOT NULL), '{}') AS tried, coalesce(max(leg) + 1, 0)::int AS legs,
           coalesce(max(ring_group), 0)::int AS "group",
           to_char(min(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started
    FROM call_attempts WHERE callback_id = ${callbackId} AND attempt_number = ${attemptNumber}`);
  return onlyRow(rows, "agentsTried");
}
