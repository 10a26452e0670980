import { agentsOnCall } from "../../db/queries/agents-on-call.ts";
import { finish, holdClaim } from "../../db/queries/call-attempts.ts";
import { lockRelease, releaseAt } from "../../db/queries/release.ts";
import { lockLeadDecisions } from "../../db/queries/compliance.ts";
import { claimDue, type DialContext } from "../../db/queries/dial-context.ts";
import { type Hold, recheckAt, schedule, type Verdict } from "../compliance/decide.ts";
import { newDecision } from "../compliance/record.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { newId } from "../../schemas/ids.ts";
import { agentHold } from "./availability.ts";
import { placeLeg } from "./place-leg.ts";
import { publish } from "./publish.ts";
import { queueDial } from "./queue-dial.ts";
import { factsOf } from "../compliance/facts.ts";
import { providerDeps, retryOrEnd } from "./status.ts";

// Dialling a callback: claim it (exactly one dialler wins), decide whether it may be called now
// (do-not-call list and opt-out, then the rulebook's windows in every zone the lead may be in,
// business hours and caps), record that decision in the lead's chain, and place the call
// (place-leg.ts). The claim reads the do-not-call list and the opt-out in the same statement
// (dial-context.ts), so what is decided on is what was true when the callback was taken.

type Ctx = { waitUntil(promise: Promise<unknown>): void };

const giveUpAfterMs = 7 * 24 * 3600_000;
export type DialOutcome = "dialed" | "not_due" | "held" | "blocked" | "no_agent" | "raced";

export async function dialCallback(env: Env, ctx: Ctx, callbackId: string): Promise<DialOutcome> {
  const db = httpDb(env);
  const cb = await claimDue(db, callbackId);
  if (!cb) return "not_due";
  // The claim took a callback whose next_attempt_at has come, and intake never sets that before
  // scheduled_at: what is left to decide is whether the law and the lead's clock allow it now.
  const now = new Date();
  const lawful = schedule(factsOf(cb, null), now);
  // Lawful now: then an agent must be free to take it (a one-off agent's phone always is).
  const owner = { workspaceId: cb.workspace_id, mode: cb.mode };
  const agents = lawful.hold || cb.agent_override ? null : await agentsOnCall(db, owner, cb.agent_id, []);
  const noAgent = agents ? agentHold(agents, now, cb.workspace_timezone) : null;
  const verdict = noAgent ? { ...lawful, hold: noAgent, at: new Date(noAgent.until ?? now) } : lawful;
  // An empty window, or agents who never come back, are looked at for a week (a PATCHed zone,
  // new domain hours, a new rulebook, an agent switched on may change it); then the callback
  // ends, blocked, rather than waiting for ever.
  const waitedTooLong = now.getTime() - Date.parse(cb.scheduled_at) > giveUpAfterMs;
  const neverOpens = (verdict.hold?.reason === "empty_window" || verdict.hold?.reason === "no_agent_available") && waitedTooLong;
  if (cb.on_dnc || cb.opted_out || neverOpens) {
    const reason = cb.on_dnc ? "do_not_call" : cb.opted_out ? "opted_out" : (verdict.hold?.reason ?? "empty_window");
    const decision = newDecision(cb, verdict, "blocked", now, reason);
    const [, result] = await db.batch([lockLeadDecisions(db, cb.lead_id), finish(db, cb.id, "blocked", reason, newId("event"), decision)]);
    publish(env, ctx, result);
    return "blocked";
  }
  if (verdict.hold) return hold(env, ctx, cb, { ...verdict, hold: verdict.hold }, now);
  const decision = { record: newDecision(cb, verdict, "dialled", now), leadAttemptsSeen: cb.recent_attempts.length };
  // The agents just read are who the first leg rings (the insert checks each is still free).
  const outcome = await placeLeg(env, ctx, providerDeps(env, ctx), cb, { leg: 0, tried: [], candidates: agents ?? undefined }, decision);
  if (outcome !== "no_agent") return outcome;
  // The agents were free a moment ago; another dialler rang them meanwhile (or one went off):
  // the callback waits for them, as it would have had it looked a moment later.
  const later = new Date();
  const taken = cb.agent_override ? null : agentHold(await agentsOnCall(db, owner, cb.agent_id, []), later, cb.workspace_timezone);
  if (taken) return hold(env, ctx, cb, { ...lawful, hold: taken, at: new Date(taken.until ?? later) }, later);
  await retryOrEnd(env, ctx, cb.id);
  return outcome;
}

/** Gives the claim back for `verdict.hold`, in its place among those held for the same moment. */
async function hold(env: Env, ctx: Ctx, cb: DialContext, verdict: Verdict & { hold: Hold }, now: Date): Promise<"held"> {
  const db = httpDb(env);
  const at = recheckAt(verdict);
  const decision = newDecision(cb, verdict, "held", now);
  const [, , result, released] = await db.batch([
    lockLeadDecisions(db, cb.lead_id),
    lockRelease(db, cb.domain_id),
    holdClaim(db, cb.id, at, verdict.hold, newId("event"), decision),
    releaseAt(db, cb.id),
  ]);
  publish(env, ctx, result);
  const place = released.rows[0]?.at;
  await queueDial(env, cb.id, place ? new Date(place) : at);
  return "held";
}
