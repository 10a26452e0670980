import {
  agentById,
  agentsInTurn,
  finish,
  holdClaim,
  insertLeg,
  type NewLeg,
  releaseClaim,
  setLegError,
  setProviderCallId,
  stillDialing,
} from "../../db/queries/call-attempts.ts";
import { lockLeadDecisions } from "../../db/queries/compliance.ts";
import { claimDue, type DialContext } from "../../db/queries/dial-context.ts";
import { recheckAt, schedule } from "../compliance/decide.ts";
import { newDecision } from "../compliance/record.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { newId } from "../../schemas/ids.ts";
import { telephonyFor } from "./providers.ts";
import { queueDial } from "./queue-dial.ts";
import { factsOf } from "../compliance/facts.ts";
import { applyStatus, publish, retryOrEnd } from "./status.ts";

// Dialling a callback: claim it (exactly one dialler wins), decide whether it may be called now
// (do-not-call list and opt-out, then the rulebook's windows in every zone the lead may be in,
// business hours and caps), record that decision in the lead's chain, and place the call.

type Ctx = { waitUntil(promise: Promise<unknown>): void };

const emptyWindowGiveUpMs = 7 * 24 * 3600_000;
export type DialOutcome = "dialed" | "not_due" | "held" | "blocked" | "no_agent" | "raced";

export async function dialCallback(env: Env, ctx: Ctx, callbackId: string): Promise<DialOutcome> {
  const db = httpDb(env);
  const cb = await claimDue(db, callbackId);
  if (!cb) return "not_due";
  // The claim took a callback whose next_attempt_at has come, and intake never sets that before
  // scheduled_at: what is left to decide is whether the law and the lead's clock allow it now.
  const now = new Date();
  const verdict = schedule(factsOf(cb, null), now);
  // An empty window is looked at daily for a week (a PATCHed zone, new domain hours or a new
  // rulebook may open it); then the callback ends, blocked, rather than waiting for ever.
  const neverOpens = verdict.hold?.reason === "empty_window" && now.getTime() - Date.parse(cb.scheduled_at) > emptyWindowGiveUpMs;
  if (cb.on_dnc || cb.opted_out || neverOpens) {
    const reason = cb.on_dnc ? "do_not_call" : cb.opted_out ? "opted_out" : "empty_window";
    const decision = newDecision(cb, verdict, "blocked", now, reason);
    const [, result] = await db.batch([lockLeadDecisions(db, cb.lead_id), finish(db, cb.id, "blocked", reason, newId("event"), decision)]);
    publish(env, ctx, result);
    return "blocked";
  }
  if (verdict.hold) {
    const at = recheckAt(verdict);
    const decision = newDecision(cb, verdict, "held", now);
    const [, result] = await db.batch([lockLeadDecisions(db, cb.lead_id), holdClaim(db, cb.id, at, verdict.hold, newId("event"), decision)]);
    publish(env, ctx, result);
    await queueDial(env, cb.id, at);
    return "held";
  }
  const decision = { record: newDecision(cb, verdict, "dialled", now), leadAttemptsSeen: cb.recent_attempts.length };
  const outcome = await placeLeg(env, ctx, cb, { leg: 0, tried: [] }, decision);
  if (outcome === "no_agent") await retryOrEnd(env, ctx, cb.id);
  return outcome;
}

/**
 * Rings the next agent for this attempt: the one-off agent or the callback's own (first leg
 * only), else the active agent dialled longest ago who has not been tried in this attempt. The
 * first leg carries the dialler's decision, recorded with it.
 */
export async function placeLeg(
  env: Env,
  ctx: Ctx,
  cb: DialContext,
  at: { leg: number; tried: string[] },
  decision: NewLeg["decision"] = null,
): Promise<"dialed" | "no_agent" | "raced"> {
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
  const leg = {
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
    decision,
  };
  const inserted = decision ? (await db.batch([lockLeadDecisions(db, cb.lead_id), insertLeg(db, leg)]))[1] : await insertLeg(db, leg);
  if (inserted.rows.length === 0) {
    // Canceled meanwhile: nothing to place. Otherwise, for a first leg, another callback to this
    // lead called it after this one's calls were counted: give the claim back and decide again
    // with the new count. For a later leg, a repeated status placed it already.
    if (!(await stillDialing(db, cb.id))) return "no_agent";
    if (decision) {
      await releaseClaim(db, cb.id);
      await queueDial(env, cb.id, new Date());
    }
    return "raced";
  }
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
