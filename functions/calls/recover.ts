import { currentLegs, legState, touchLeg, type LegState } from "../../db/queries/call-status.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { telephonyNamed } from "./providers.ts";
import { applyLeadState, applyStatus, attemptMissed, providerDeps, retryOrEnd, settle } from "./status.ts";
import type { AttemptStatus } from "../../schemas/telephony.ts";

// A callback whose call went silent: in dialing or connected, and no word about its current call
// for a quarter of an hour (a dialler that died after its claim, a status callback that never
// came, a process that died between a call's status and the callback's completion). The cron
// brings each back in line with how the call really went, and never dials a lead again who has
// already talked.

type Ctx = { waitUntil(promise: Promise<unknown>): void };

const ended = new Set<string>(["completed", "busy", "failed", "no-answer", "canceled"]);
/** How long the cron keeps asking a provider that cannot say, before settling from what is stored. */
const giveUpAskingMs = 24 * 3600_000;

export async function recoverSilentCallback(env: Env, ctx: Ctx, callbackId: string): Promise<void> {
  const legs = await currentLegs(httpDb(env), callbackId);
  if (legs.length === 0) {
    // Claimed, and no call placed: the dialler died between its claim and the first leg.
    await retryOrEnd(env, ctx, callbackId);
    return;
  }
  // Agents rung at once are each brought in line, the last leg last: the group moves on only
  // once every one of its calls has ended.
  for (const leg of legs) await recoverLeg(env, ctx, leg);
}

async function recoverLeg(env: Env, ctx: Ctx, leg: LegState): Promise<void> {
  const db = httpDb(env);
  // First, what is stored: a lead call recorded as completed completes the callback.
  await settle(env, ctx, leg.id);
  if (!(await stillInPlay(env, leg.id))) return;

  // Then, what the provider that placed the call says of it. A call with no id never reached the
  // provider, and one it has no record of (any of the sandbox's: its call died with the isolate
  // that played it) is no better known: both ended without a word.
  const callId = leg.provider_call_id;
  const asked = callId ? await telephonyNamed(leg.provider, env, providerDeps(env, ctx)).callState(callId) : "unknown";
  if (asked === null) {
    // The provider did not answer: look again in a quarter of an hour, for a day; then the call
    // is long over, and the callback is settled from what is stored (below).
    if (Date.now() - Date.parse(leg.callback_updated_at) < giveUpAskingMs) {
      await touchLeg(db, leg.id);
      return;
    }
  }
  if (callId && asked !== null && asked !== "unknown") {
    if (asked.lead) await applyLeadState(env, ctx, leg.id, asked.lead);
    await applyStatus(env, ctx, { attemptId: leg.id, leg: "agent", callId, status: asked.agent.status, sequence: null, durationSeconds: asked.agent.durationSeconds });
    // Still ringing or talking, by the provider's word: looked at again in a quarter of an hour.
    if (!ended.has(asked.agent.status)) {
      if (await stillInPlay(env, leg.id)) await touchLeg(db, leg.id);
      return;
    }
  }
  // The agent's call is over. A lead's leg with no final word ended with it: if the lead had
  // answered, they talked (the callback completes); if not, the lead was not reached (a miss).
  const now = await legState(db, leg.id);
  if (!now?.current) return;
  if (now.lead_status !== null && !ended.has(now.lead_status)) {
    const status: AttemptStatus = now.lead_status === "in-progress" ? "completed" : "failed";
    await applyStatus(env, ctx, { attemptId: leg.id, leg: "lead", callId: now.lead_call_id ?? `lost-${leg.id}`, status, sequence: null });
  } else if (now.lead_status === null && now.status === "in-progress") {
    // The agent had answered, and nothing is known of the lead's call: it may have happened with
    // its statuses lost. The attempt ends as a miss, retried through the dialler's whole decision,
    // rather than ringing the next agent (and with them, perhaps, the lead) now.
    await attemptMissed(env, ctx, now, "call-lost");
    return;
  }
  if (!ended.has(now.status)) {
    await applyStatus(env, ctx, { attemptId: leg.id, leg: "agent", callId: leg.provider_call_id ?? `failed-${leg.id}`, status: "failed", sequence: null });
  }
  if (await stillInPlay(env, leg.id)) await touchLeg(db, leg.id);
}

async function stillInPlay(env: Env, attemptId: string): Promise<boolean> {
  const leg: LegState | null = await legState(httpDb(env), attemptId);
  return leg?.current === true && ["dialing", "connected"].includes(leg.callback_status);
}
