import { type AfterMiss, advanceLeg, agentsTried, complete, connect, legState, missAttempt, saveRecordingUrl, type LegState } from "../../db/queries/call-status.ts";
import { finish, scheduleRetry } from "../../db/queries/call-attempts.ts";
import { loadContext } from "../../db/queries/dial-context.ts";
import { recheckAt, schedule } from "../compliance/decide.ts";
import { factsOf } from "../compliance/facts.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { newId } from "../../schemas/ids.ts";
import { retryDue } from "../lib/schedule.ts";
import { callAnswers, isMachine } from "./answer.ts";
import { placeLeg } from "./place-leg.ts";
import { telephonyNamed } from "./providers.ts";
import { publish } from "./publish.ts";
import { queueDial } from "./queue-dial.ts";
import type { ProviderDeps } from "./telephony.ts";
import type { CallState, StatusUpdate } from "../../schemas/telephony.ts";
import { groupStillRinging, recordAnsweredBy } from "../../db/queries/call-answers.ts";

// The call state machine, fed by every provider alike (Twilio's status callbacks, the sandbox's
// made-up ones), through the StatusSink each is built with (providerDeps, below). An update
// first moves its leg forward (or is dropped as late or repeated); then the callback is settled
// from what is stored of its current call, not from the update: the lead answering connects
// it, the lead hanging up completes it, and a lead or agents not answering make the attempt a
// miss, which retries or ends the callback. Each of those is one statement that only moves a
// callback still in play, so settling again changes nothing, and a repeated status, or the
// cron's recovery, repairs a callback whose process died between its call's status and the rest.

type Ctx = { waitUntil(promise: Promise<unknown>): void };

const ended = new Set(["completed", "busy", "failed", "no-answer", "canceled"]);

/** The state machine as a provider sees it (telephony.ts): each status it reports is applied. */
export function providerDeps(env: Env, ctx: Ctx): ProviderDeps {
  return { report: (update) => applyStatus(env, ctx, update), answers: callAnswers(env), waitUntil: (promise) => ctx.waitUntil(promise) };
}

export async function applyStatus(env: Env, ctx: Ctx, update: StatusUpdate): Promise<void> {
  await advanceLeg(httpDb(env), update); // null: late, repeated or foreign, and it moves nothing
  await settle(env, ctx, update.attemptId);
}

/** Moves the callback to where its current call's stored state says it should be. */
export async function settle(env: Env, ctx: Ctx, attemptId: string): Promise<void> {
  const db = httpDb(env);
  const leg = await legState(db, attemptId);
  // Only the callback's latest call decides; a late word from an earlier attempt or leg does not.
  if (!leg?.current || !["dialing", "connected"].includes(leg.callback_status)) return;
  const lead = leg.lead_status;
  const machine = isMachine(leg.answered_by);
  if (machine) {
    // The lead's voicemail answered: no conversation, whatever its talk time. Once its call
    // ends, the attempt is missed (retried), or a voicemail was left.
    if (lead !== null && ended.has(lead)) await attemptMissed(env, ctx, leg, leg.outcome === "voicemail_left" ? "voicemail_left" : "lead-machine");
  } else if (leg.answered_by !== null && (lead === "in-progress" || (lead === "completed" && leg.answered_at))) {
    // A person answered: the detection's verdict came, and was not a machine. (A completed lead
    // call with talk time connects even if its "in-progress" never came.) Without a verdict the
    // lead was never bridged, since the bridge waits for it: that is no conversation (below).
    publish(env, ctx, await connect(db, leg.id, newId("event")));
    if (lead === "completed") {
      const ids = { callCompleted: newId("event"), postCall: newId("event"), callbackCompleted: newId("event") };
      const provider = telephonyNamed(leg.provider, env, providerDeps(env, ctx));
      publish(env, ctx, await complete(db, leg.id, provider.callerId, ids));
    }
  } else if (lead !== null && ended.has(lead)) {
    // The lead's call ended unanswered (busy, no-answer…), or answered but never bridged: a
    // person who hung up while the detection listened, a verdict that never arrived.
    await attemptMissed(env, ctx, leg, lead === "completed" ? "lead-not-bridged" : lead);
  } else if (lead === null && ended.has(leg.status)) {
    // The agent's call ended with no word of the lead's. If the agent had answered, the lead's
    // statuses may only be lost: the provider is asked before the lead counts as not reached (a
    // lead who talked is never rung again). If it cannot say, the cron's recovery asks again later.
    // An agent who did not take the call (no 1 pressed) never had the lead rung.
    if (leg.status === "completed" && leg.provider_call_id && leg.outcome !== "not_accepted") {
      const state = await telephonyNamed(leg.provider, env, providerDeps(env, ctx)).callState(leg.provider_call_id);
      if (!state) return;
      if (state !== "unknown" && state.lead) {
        await applyLeadState(env, ctx, leg.id, state.lead);
        return;
      }
    }
    // The agent's call ended without ever reaching the lead: ring the next agent, if any.
    const reason = leg.outcome === "not_accepted" ? "agent-not-accepted" : leg.status === "completed" ? "agent-hung-up" : `agent-${leg.status}`;
    await nextAgentOrMiss(env, ctx, leg, reason);
  }
}

/**
 * The lead's call as the provider recorded it, for a call whose callbacks were lost: the
 * detection's verdict first (the provider's record keeps it), then the status.
 */
export async function applyLeadState(env: Env, ctx: Ctx, attemptId: string, lead: NonNullable<Exclude<CallState, "unknown">["lead"]>): Promise<void> {
  if (lead.answeredBy) await recordAnsweredBy(httpDb(env), attemptId, lead.answeredBy, isMachine(lead.answeredBy) ? "machine" : null);
  await applyStatus(env, ctx, { attemptId, leg: "lead", callId: lead.callId, status: lead.status, sequence: null, durationSeconds: lead.durationSeconds });
}

export async function saveRecording(env: Env, attemptId: string, recordingUrl: string): Promise<void> {
  await saveRecordingUrl(httpDb(env), attemptId, recordingUrl);
}

async function nextAgentOrMiss(env: Env, ctx: Ctx, leg: LegState, reason: string): Promise<void> {
  const db = httpDb(env);
  const cb = await loadContext(db, leg.callback_id);
  if (!cb || cb.attempt_count !== leg.attempt_number) return;
  const { tried, legs, group, started } = await agentsTried(db, leg.callback_id, leg.attempt_number);
  // Only the attempt's last group moves it on, once every agent rung in it has done with it.
  if (leg.ring_group !== group || (await groupStillRinging(db, leg.id)) > 0) return;
  const fixed = cb.agent_override !== null || cb.agent_id !== null;
  // The next leg is this attempt's, not a new call to the lead: it does not count against a cap.
  const others = { ...cb, recent_attempts: cb.recent_attempts.filter((at) => at !== started) };
  // The next agent rings the lead too: only if the lead may still be called now. A status that
  // came late, or the cron's recovery, may find the window closed, a cap reached or the number
  // put on the do-not-call list since the attempt was decided; the miss then retries through the
  // dialler's whole decision.
  const lawful = !cb.on_dnc && !cb.opted_out && !schedule(factsOf(others, null), new Date()).hold;
  if (!fixed && lawful) {
    const placed = await placeLeg(env, ctx, providerDeps(env, ctx), cb, { leg: legs, tried });
    // "raced": the same status, settled twice at once, and the other placed the next leg.
    if (placed !== "no_agent") return;
  }
  await attemptMissed(env, ctx, leg, fixed ? reason : lawful ? "no-agent-answered" : "next-agent-not-lawful-now");
}

/** The attempt is over without a conversation: call.missed, and a retry or the end, in one statement. */
export async function attemptMissed(env: Env, ctx: Ctx, leg: Pick<LegState, "id" | "callback_id">, reason: string): Promise<void> {
  const db = httpDb(env);
  const cb = await loadContext(db, leg.callback_id);
  if (!cb) return;
  const ids = { missed: newId("event"), completed: newId("event") };
  // A voicemail left ends the callback where the domain says one is enough.
  const after: AfterMiss =
    reason === "voicemail_left" && !cb.retry_after_voicemail
      ? { end: "completed", reason }
      : cb.attempt_count >= cb.max_attempts
        ? { end: "exhausted", reason: "max_attempts" }
        : nextTry(cb);
  const result = await missAttempt(db, leg.id, reason, after, ids);
  publish(env, ctx, result);
  if (result.rows.length > 0 && "retryAt" in after) ctx.waitUntil(queueDial(env, leg.callback_id, after.retryAt));
}

/** An attempt spent without a call (no agent to ring, or none placed): a retry or the end. */
export async function retryOrEnd(env: Env, ctx: Ctx, callbackId: string): Promise<void> {
  const db = httpDb(env);
  const cb = await loadContext(db, callbackId);
  if (!cb) return;
  if (cb.attempt_count >= cb.max_attempts) {
    publish(env, ctx, await finish(db, callbackId, "exhausted", "max_attempts", newId("event")));
    return;
  }
  const { retryAt, hold } = nextTry(cb);
  const { rows } = await scheduleRetry(db, callbackId, retryAt, hold);
  if (rows.length > 0) ctx.waitUntil(queueDial(env, callbackId, retryAt));
}

/** The retry's interval, then the first lawful moment after it (calling windows, caps). */
function nextTry(cb: NonNullable<Awaited<ReturnType<typeof loadContext>>>) {
  const now = new Date();
  const verdict = schedule(factsOf(cb, retryDue(now, cb.attempt_count, cb.retry_intervals_seconds)), now);
  return { retryAt: recheckAt(verdict), hold: verdict.hold };
}
