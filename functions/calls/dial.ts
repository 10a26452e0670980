import { agentById, agentsInTurn, claimDue, finish, insertLeg, releaseClaim, setLegError, setProviderCallId, type DialContext } from "../../db/queries/call-attempts.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../lib/db.ts";
import { newId } from "../lib/ids.ts";
import { nextCallableTime } from "../lib/schedule.ts";
import { telephonyFor } from "./providers.ts";
import { queueDial } from "./queue-dial.ts";
import { callingRules } from "./rules.ts";
import { applyStatus, publish, retryOrEnd } from "./status.ts";

// Dialling a callback: claim it (exactly one dialler wins), check it may be called now (do-not-
// call list and opt-out, calling windows, the daily cap), pick an agent, and place the call.

type Ctx = { waitUntil(promise: Promise<unknown>): void };
export type DialOutcome = "dialed" | "not_due" | "held" | "blocked" | "no_agent";

const day = 24 * 3600 * 1000;

export async function dialCallback(env: Env, ctx: Ctx, callbackId: string): Promise<DialOutcome> {
  const db = httpDb(env);
  const cb = await claimDue(db, callbackId);
  if (!cb) return "not_due";
  if (cb.on_dnc || cb.opted_out) {
    publish(env, ctx, await finish(db, cb.id, "blocked", cb.on_dnc ? "do_not_call" : "opted_out", newId("event")));
    return "blocked";
  }
  const rules = callingRules(cb);
  const now = new Date();
  let at = nextCallableTime(now, rules);
  if (at && cb.daily_attempt_cap !== null && cb.attempts_24h >= cb.daily_attempt_cap && cb.oldest_attempt_24h) {
    at = nextCallableTime(new Date(Math.max(at.getTime(), Date.parse(cb.oldest_attempt_24h) + day)), rules);
  }
  if (!at) {
    publish(env, ctx, await finish(db, cb.id, "blocked", "no_calling_hours", newId("event")));
    return "blocked";
  }
  if (at.getTime() > now.getTime() + 1000) {
    await releaseClaim(db, cb.id, at);
    await queueDial(env, cb.id, at);
    return "held";
  }
  const outcome = await placeLeg(env, ctx, cb, { leg: 0, tried: [] });
  if (outcome === "no_agent") await retryOrEnd(env, ctx, cb.id);
  return outcome;
}

/**
 * Rings the next agent for this attempt: the one-off agent or the callback's own (first leg
 * only), else the active agent dialled longest ago who has not been tried in this attempt.
 */
export async function placeLeg(env: Env, ctx: Ctx, cb: DialContext, at: { leg: number; tried: string[] }): Promise<"dialed" | "no_agent"> {
  const db = httpDb(env);
  const owner = { workspaceId: cb.workspace_id, mode: cb.mode };
  let agent: { id: string | null; phone: string } | null = null;
  if (cb.agent_override) agent = at.leg === 0 ? { id: null, phone: cb.agent_override.phone } : null;
  else if (cb.agent_id) {
    const fixed = at.leg === 0 ? await agentById(db, owner, cb.agent_id) : null;
    agent = fixed?.active ? fixed : null;
  } else agent = await agentsInTurn(db, owner, at.tried);
  if (!agent) return "no_agent";

  const telephony = telephonyFor(env, ctx, cb.mode);
  const attemptId = newId("callAttempt");
  const inserted = await insertLeg(db, {
    id: attemptId,
    callbackId: cb.id,
    workspaceId: cb.workspace_id,
    mode: cb.mode,
    attemptNumber: cb.attempt_count,
    leg: at.leg,
    agentId: agent.id,
    agentPhone: agent.phone,
    provider: telephony.name,
    eventId: newId("event"),
  });
  if (inserted.rows.length === 0) return "no_agent"; // canceled meanwhile
  publish(env, ctx, inserted);
  try {
    const callerId = cb.caller_id ?? env.TWILIO_CALLER_ID ?? agent.phone;
    const { callId } = await telephony.placeCall({ attemptId, agentPhone: agent.phone, leadPhone: cb.lead_phone, leadName: cb.lead_name, callerId, record: cb.record_calls ?? false });
    // Canceled while the provider was placing the call: there was no call id to hang up then.
    if (!(await setProviderCallId(db, attemptId, callId))) await telephony.endCall(callId);
  } catch (err) {
    // The provider refused the call: this leg failed, as if the agent's phone had.
    await setLegError(db, attemptId, err instanceof Error ? err.message : String(err));
    await applyStatus(env, ctx, { attemptId, leg: "agent", callId: `failed-${attemptId}`, status: "failed", sequence: null });
  }
  return "dialed";
}
