import { rivalCalls } from "../../db/queries/call-answers.ts";
import { liveCalls } from "../../db/queries/call-attempts.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { telephonyNamed } from "./providers.ts";
import { providerDeps } from "./status.ts";

type Ctx = { waitUntil(promise: Promise<unknown>): void };

/**
 * Hangs up what is left of a canceled callback's call. The callback is already canceled, so the
 * status updates these calls still send change nothing (every transition requires a live state).
 * Each call is ended by the provider that placed it, whatever the workspace's provider is now, so
 * `mode` is not needed; it stays until the cancel route stops passing it.
 */
export async function hangUp(env: Env, ctx: Ctx, callbackId: string, _mode: "live" | "test"): Promise<void> {
  const deps = providerDeps(env, ctx);
  for (const { provider, callId } of await liveCalls(httpDb(env), callbackId)) {
    await telephonyNamed(provider, env, deps)
      .endCall(callId)
      .catch((err) => console.error(`hang-up: call ${callId} of ${callbackId} could not be ended`, err));
  }
}

/**
 * Hangs up the other agents rung with the one who took the call (simultaneous ring). Their late
 * statuses and key presses change nothing: once a leg of a group is taken, it alone is current.
 */
export async function hangUpRivals(env: Env, ctx: Ctx, attemptId: string): Promise<void> {
  const deps = providerDeps(env, ctx);
  for (const { provider, callId } of await rivalCalls(httpDb(env), attemptId)) {
    await telephonyNamed(provider, env, deps)
      .endCall(callId)
      .catch((err) => console.error(`hang-up: call ${callId}, rung with ${attemptId}, could not be ended`, err));
  }
}
