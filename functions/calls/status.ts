import { advanceLeg, agentsTried, complete, connect, missed, saveRecordingUrl, type LegRow } from "../../db/queries/call-status.ts";
import { finish, scheduleRetry } from "../../db/queries/call-attempts.ts";
import { loadContext } from "../../db/queries/dial-context.ts";
import { recheckAt, schedule } from "../compliance/decide.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { retryDue } from "../lib/schedule.ts";
import { placeLeg } from "./dial.ts";
import { queueDial } from "./queue-dial.ts";
import { factsOf } from "../compliance/facts.ts";
import type { StatusUpdate } from "./telephony.ts";

// The call state machine, fed by Twilio's status callbacks and by the sandbox alike. Each update
// first moves its leg forward (or is dropped as late or repeated); only then does the callback
// move: the lead answering connects it, the lead hanging up completes it, and a lead or agents
// not answering make the attempt a miss, which retries or ends the callback.

type Ctx = { waitUntil(promise: Promise<unknown>): void };

const ended = new Set(["completed", "busy", "failed", "no-answer", "canceled"]);

export async function applyStatus(env: Env, ctx: Ctx, update: StatusUpdate): Promise<void> {
  const db = httpDb(env);
  const leg = await advanceLeg(db, update);
  if (!leg) return; // late, repeated or foreign: the call has already moved past it
  if (update.leg === "lead") {
    if (update.status === "in-progress") {
      publish(env, ctx, await connect(db, leg.id, newId("event")));
    } else if (update.status === "completed" && leg.answered_at) {
      // The lead's "in-progress" may still be on its way: the call connected all the same.
      publish(env, ctx, await connect(db, leg.id, newId("event")));
      const ids = { callCompleted: newId("event"), postCall: newId("event"), callbackCompleted: newId("event") };
      publish(env, ctx, await complete(db, leg.id, env.TWILIO_CALLER_ID ?? null, ids));
    } else if (ended.has(update.status)) {
      await attemptMissed(env, ctx, leg, update.status);
    }
  } else if (ended.has(update.status) && leg.lead_status === null) {
    // The agent's call ended without ever reaching the lead: ring the next agent, if any.
    await nextAgentOrMiss(env, ctx, leg, update.status === "completed" ? "agent-hung-up" : `agent-${update.status}`);
  }
}

export async function saveRecording(env: Env, attemptId: string, recordingUrl: string): Promise<void> {
  await saveRecordingUrl(httpDb(env), attemptId, recordingUrl);
}

async function nextAgentOrMiss(env: Env, ctx: Ctx, leg: LegRow, reason: string): Promise<void> {
  const db = httpDb(env);
  const cb = await loadContext(db, leg.callback_id);
  // Only the callback's latest call decides what happens next; a late word from an earlier
  // attempt or leg changes nothing.
  if (!cb || cb.attempt_count !== leg.attempt_number) return;
  const { tried, legs } = await agentsTried(db, leg.callback_id, leg.attempt_number);
  if (leg.leg !== legs - 1) return;
  const fixed = cb.agent_override !== null || cb.agent_id !== null;
  if (!fixed && (await placeLeg(env, ctx, cb, { leg: legs, tried })) === "dialed") return;
  await attemptMissed(env, ctx, leg, fixed ? reason : "no-agent-answered");
}

/** The attempt is over without a conversation: call.missed, then a retry or the end. */
export async function attemptMissed(env: Env, ctx: Ctx, leg: Pick<LegRow, "id" | "callback_id">, reason: string): Promise<void> {
  const db = httpDb(env);
  const result = await missed(db, leg.id, reason, newId("event"));
  if (result.rows.length === 0) return; // not the callback's current call, or it has ended
  publish(env, ctx, result);
  await retryOrEnd(env, ctx, leg.callback_id);
}

export async function retryOrEnd(env: Env, ctx: Ctx, callbackId: string): Promise<void> {
  const db = httpDb(env);
  const cb = await loadContext(db, callbackId);
  if (!cb) return;
  if (cb.attempt_count >= cb.max_attempts) {
    publish(env, ctx, await finish(db, callbackId, "exhausted", "max_attempts", newId("event")));
    return;
  }
  // The retry's interval, then the first lawful moment after it (calling windows, caps).
  const now = new Date();
  const verdict = schedule(factsOf(cb, retryDue(now, cb.attempt_count, cb.retry_intervals_seconds)), now);
  const at = recheckAt(verdict);
  const { rows } = await scheduleRetry(db, callbackId, at, verdict.hold);
  if (rows.length > 0) ctx.waitUntil(queueDial(env, callbackId, at));
}

export function publish(env: Env, ctx: Ctx, result: { rows: unknown[] }): void {
  const ids = result.rows.map((row) => ({ id: (row as { id: string }).id }));
  if (ids.length > 0) publishAfterCommit(env, ctx, ids);
}
