import { currentLeg, legState, touchLeg } from "../../db/queries/call-status.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../lib/db.ts";
import { telephonyFor } from "./providers.ts";
import { applyStatus, retryOrEnd, settle } from "./status.ts";

// A callback whose call went silent: in dialing or connected, and no word about its current call
// for a quarter of an hour (a dialler that died after its claim, a status callback that never
// came, a process that died between a call's status and the callback's completion). The cron
// brings each back in line with how the call really went, and never dials a lead again who has
// already talked.

type Ctx = { waitUntil(promise: Promise<unknown>): void };

export async function recoverSilentCallback(env: Env, ctx: Ctx, callbackId: string): Promise<void> {
  const db = httpDb(env);
  const leg = await currentLeg(db, callbackId);
  if (!leg) {
    // Claimed, and no call placed: the dialler died between its claim and the first leg.
    await retryOrEnd(env, ctx, callbackId);
    return;
  }
  // First, what is stored: a lead call recorded as completed completes the callback.
  await settle(env, ctx, leg.id);
  if (!(await stillInPlay(env, leg.id))) return;

  // Then, what the provider says of the call.
  const failed = { attemptId: leg.id, leg: "agent" as const, callId: leg.provider_call_id ?? `failed-${leg.id}`, status: "failed" as const, sequence: null };
  if (!leg.provider_call_id) {
    // The create-call never came back: no call exists to ask about.
    await applyStatus(env, ctx, failed);
    return;
  }
  const telephony = telephonyFor(env, ctx, leg.mode);
  const state = await telephony.callState(leg.provider_call_id);
  if (!state) {
    // The sandbox keeps nothing to ask: its call died with the isolate that played it. Twilio
    // not answering is another matter: ask again at the next run.
    if (telephony.name === "sandbox") await applyStatus(env, ctx, failed);
    return;
  }
  if (state.lead) {
    await applyStatus(env, ctx, { attemptId: leg.id, leg: "lead", callId: state.lead.callId, status: state.lead.status, sequence: null, durationSeconds: state.lead.durationSeconds });
  }
  await applyStatus(env, ctx, { attemptId: leg.id, leg: "agent", callId: leg.provider_call_id, status: state.agent.status, sequence: null, durationSeconds: state.agent.durationSeconds });
  // Still ringing or talking, by the provider's word: looked at again in a quarter of an hour.
  if (await stillInPlay(env, leg.id)) await touchLeg(db, leg.id);
}

async function stillInPlay(env: Env, attemptId: string): Promise<boolean> {
  const leg = await legState(httpDb(env), attemptId);
  return leg !== null && leg.current && ["dialing", "connected"].includes(leg.callback_status);
}
