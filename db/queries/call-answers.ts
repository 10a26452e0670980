import { sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { isCurrentLeg, type StoredProvider } from "./call-attempts.ts";

// What happens when a call is answered, before anyone talks: the agent hears who the lead is and
// presses 1 (or not), and the lead's phone is answered by a person or a machine. Each answer is
// recorded only on the callback's current call while it is being dialled, and only once: a
// repeated or late request changes nothing.

/** What the agent is told, and how the lead's answer is handled: the call and its domain's settings. */
export type AnswerContext = {
  leadPhone: string;
  leadName: string | null;
  source: "form_response" | "make_call" | "add_call_api" | "api";
  // The message of the form that asked for the call, when a form did.
  formMessage: string | null;
  agentAccept: boolean;
  machineAnswer: "retry" | "voicemail";
  voicemailMessage: string | null;
  acceptedAt: string | null;
  answeredBy: string | null;
  outcome: string | null;
  /** dialing, or connected once a person answered the lead's phone. */
  callbackStatus: "dialing" | "connected";
};

/** The call's context, if it is still the callback's current call and the callback is in a call. */
export async function answerContext(db: Db, attemptId: string): Promise<AnswerContext | null> {
  const { rows } = await db.execute<AnswerContext>(sql`
    SELECT l.phone AS "leadPhone", l.name AS "leadName", c.source,
           (SELECT f.form_data->>'message' FROM form_responses f
             WHERE c.source = 'form_response' AND f.id = c.source_id AND jsonb_typeof(f.form_data->'message') = 'string') AS "formMessage",
           coalesce(d.agent_accept, true) AS "agentAccept", coalesce(d.machine_answer, 'retry') AS "machineAnswer",
           d.voicemail_message AS "voicemailMessage", a.accepted_at::text AS "acceptedAt", a.answered_by AS "answeredBy",
           a.outcome, c.status AS "callbackStatus"
    FROM call_attempts a JOIN callbacks c ON c.id = a.callback_id JOIN leads l ON l.id = c.lead_id
    LEFT JOIN domains d ON d.id = c.domain_id
    WHERE a.id = ${attemptId} AND c.status IN ('dialing', 'connected') AND ${isCurrentLeg}`);
  return rows[0] ?? null;
}

/**
 * The agent pressed 1 (accepted), or something else or nothing; true if this answer was recorded.
 * Agents rung at once press under one lock per callback, so only the first 1 takes the call.
 */
export async function recordAcceptance(db: Db, attemptId: string, accepted: boolean): Promise<boolean> {
  const lock = sql`SELECT pg_advisory_xact_lock(hashtext('ringback:accept:' || coalesce((SELECT callback_id FROM call_attempts WHERE id = ${attemptId}), '')))`;
  const [, { rows }] = await db.batch([db.execute(lock), db.execute(sql`
    UPDATE call_attempts a SET
      accepted_at = CASE WHEN ${accepted} THEN now() ELSE NULL END,
      outcome = CASE WHEN ${accepted} THEN NULL ELSE 'not_accepted' END,
      updated_at = now()
    FROM callbacks c
    WHERE a.id = ${attemptId} AND c.id = a.callback_id AND c.status = 'dialing' AND ${isCurrentLeg}
      AND a.accepted_at IS NULL AND a.outcome IS NULL
    RETURNING a.id`)]);
  return rows.length > 0;
}

/** The other calls of a group rung at once, still ringing or talking: hung up once one agent took it. */
export async function rivalCalls(db: Db, attemptId: string): Promise<{ provider: StoredProvider; callId: string }[]> {
  const { rows } = await db.execute<{ provider: StoredProvider; callId: string }>(sql`
    SELECT r.provider, r.provider_call_id AS "callId"
    FROM call_attempts a JOIN call_attempts r
      ON r.callback_id = a.callback_id AND r.attempt_number = a.attempt_number AND r.ring_group = a.ring_group AND r.id <> a.id
    WHERE a.id = ${attemptId} AND r.provider_call_id IS NOT NULL AND r.status IN ('queued', 'ringing', 'in-progress')`);
  return rows;
}

/**
 * How many other legs of the attempt's group are still ringing or talking, while nobody has taken
 * the call: once one agent has, the others (being hung up) no longer hold the group back.
 */
export async function groupStillRinging(db: Db, attemptId: string): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    SELECT count(*)::int AS n
    FROM call_attempts a JOIN call_attempts r
      ON r.callback_id = a.callback_id AND r.attempt_number = a.attempt_number AND r.ring_group = a.ring_group AND r.id <> a.id
    WHERE a.id = ${attemptId} AND r.status IN ('queued', 'ringing', 'in-progress')
      AND NOT EXISTS (
        SELECT 1 FROM call_attempts t
        WHERE t.callback_id = a.callback_id AND t.attempt_number = a.attempt_number AND t.ring_group = a.ring_group AND t.accepted_at IS NOT NULL)`);
  return rows[0]?.n ?? 0;
}

/**
 * Who answered the lead's call, and what Ringback did about a machine (hung up, or left a
 * voicemail); true if recorded. The callback may already be connected: the lead's "answered"
 * status can come before the detection's verdict.
 */
export async function recordAnsweredBy(db: Db, attemptId: string, answeredBy: string, outcome: "machine" | "voicemail_left" | null): Promise<boolean> {
  const { rows } = await db.execute(sql`
    UPDATE call_attempts a SET answered_by = ${answeredBy}, outcome = ${outcome}::text, updated_at = now()
    FROM callbacks c
    WHERE a.id = ${attemptId} AND c.id = a.callback_id AND c.status IN ('dialing', 'connected') AND ${isCurrentLeg}
      AND a.answered_by IS NULL
    RETURNING a.id`);
  return rows.length > 0;
}
