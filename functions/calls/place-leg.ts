import { agentOnACall, agentsOnCall, lockAgent, type OnCallAgent } from "../../db/queries/agents-on-call.ts";
import { insertLeg, type NewLeg, releaseClaim, setLegError, setProviderCallId, stillDialing } from "../../db/queries/call-attempts.ts";
import { lockLeadDecisions } from "../../db/queries/compliance.ts";
import type { DialContext } from "../../db/queries/dial-context.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { newId } from "../../schemas/ids.ts";
import { canRing } from "./availability.ts";
import { providerFor, telephonyNamed } from "./providers.ts";
import { publish } from "./publish.ts";
import { queueDial } from "./queue-dial.ts";
import type { ProviderDeps } from "./telephony.ts";

// Ringing an agent: the dialler's first leg of an attempt (dial.ts), and the state machine's next
// leg when an agent does not answer (status.ts). The state machine comes in as `deps`, whose
// report() is where the provider's statuses, and a refusal, go: this file does not import it.

type Ctx = { waitUntil(promise: Promise<unknown>): void };

/**
 * Rings the next agent for this attempt: the one-off agent or the callback's own (first leg
 * only), else the agents dialled longest ago who have not been tried in this attempt, as many at
 * once as the domain's simultaneous_ring (the first to press 1 takes the call); either way only
 * those who may be rung now (availability.ts: switched on, in their schedule, off a call). The
 * first leg carries the dialler's decision, recorded with it.
 */
export async function placeLeg(
  env: Env,
  ctx: Ctx,
  deps: ProviderDeps,
  cb: DialContext,
  at: { leg: number; tried: string[]; candidates?: OnCallAgent[] },
  decision: NewLeg["decision"] = null,
): Promise<"dialed" | "no_agent" | "raced"> {
  const db = httpDb(env);
  const owner = { workspaceId: cb.workspace_id, mode: cb.mode };
  let agents: { id: string | null; phone: string }[] = [];
  if (cb.agent_override) agents = at.leg === 0 ? [{ id: null, phone: cb.agent_override.phone }] : [];
  else if (at.leg === 0 || !cb.agent_id) {
    const now = new Date();
    const candidates = at.candidates ?? (await agentsOnCall(db, owner, cb.agent_id, at.tried));
    const free = candidates.filter((a) => canRing(a, now, cb.workspace_timezone));
    agents = free.slice(0, cb.agent_id ? 1 : cb.simultaneous_ring);
  }
  const [first, ...others] = agents;
  if (!first) return "no_agent";
  const telephony = telephonyNamed(providerFor({ id: cb.workspace_id }, cb.mode), env, deps);
  const lead = await insertAgentLeg(env, ctx, telephony.name, cb, first, { leg: at.leg, ringGroup: at.leg }, decision);
  if (typeof lead !== "object") return lead;
  // The rest of the group, rung at the same time: every leg is in before any phone rings, so no
  // status of one can find its group half made.
  const group = [lead];
  for (const [i, agent] of others.entries()) {
    const leg = await insertAgentLeg(env, ctx, telephony.name, cb, agent, { leg: at.leg + i + 1, ringGroup: at.leg }, null);
    if (typeof leg === "object") group.push(leg);
  }
  for (const leg of group) await callAgent(httpDb(env), telephony, deps, cb, leg);
  return "dialed";
}

type PlacedLeg = { attemptId: string; agentPhone: string };

/** One agent's leg, recorded with its call.initiated (and, for a first leg, the decision to dial). */
async function insertAgentLeg(
  env: Env,
  ctx: Ctx,
  provider: NewLeg["provider"],
  cb: DialContext,
  agent: { id: string | null; phone: string },
  at: { leg: number; ringGroup: number },
  decision: NewLeg["decision"],
): Promise<PlacedLeg | "no_agent" | "raced"> {
  const db = httpDb(env);
  const attemptId = newId("callAttempt");
  const leg = {
    id: attemptId,
    callbackId: cb.id,
    workspaceId: cb.workspace_id,
    mode: cb.mode,
    attemptNumber: cb.attempt_count,
    leg: at.leg,
    ringGroup: at.ringGroup,
    agentId: agent.id,
    agentPhone: agent.phone,
    provider,
    eventId: newId("event"),
    decision,
  };
  // One transaction: the agent's lock (and the lead's chain's, for a first leg), then the leg.
  const inserted = decision
    ? (await db.batch([lockAgent(db, agent.id), lockLeadDecisions(db, cb.lead_id), insertLeg(db, leg)]))[2]
    : (await db.batch([lockAgent(db, agent.id), insertLeg(db, leg)]))[1];
  if (inserted.rows.length === 0) {
    // The agent was rung by another dialler meanwhile: a later leg tries no one else now (the
    // attempt is missed, and retried); a first leg gives its claim back, to be decided again.
    if (!decision && agent.id && (await agentOnACall(db, agent.id))) return "no_agent";
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
  return { attemptId, agentPhone: agent.phone };
}

/** Rings the agent of a recorded leg; a refusal by the provider fails that leg, as if the phone had. */
async function callAgent(db: ReturnType<typeof httpDb>, telephony: ReturnType<typeof telephonyNamed>, deps: ProviderDeps, cb: DialContext, leg: PlacedLeg): Promise<void> {
  const { attemptId, agentPhone } = leg;
  try {
    // The provider picks the number the call comes from when the workspace has none of its own.
    const { callId } = await telephony.placeCall({ attemptId, agentPhone, leadPhone: cb.lead_phone, leadName: cb.lead_name, callerId: cb.caller_id, record: cb.record_calls ?? false });
    // Canceled, or taken by another agent of its group, while the provider was placing the call:
    // there was no call id to hang up then.
    if (!(await setProviderCallId(db, attemptId, callId))) await telephony.endCall(callId);
  } catch (err) {
    await setLegError(db, attemptId, err instanceof Error ? err.message : String(err));
    await deps.report({ attemptId, leg: "agent", callId: `failed-${attemptId}`, status: "failed", sequence: null });
  }
}
