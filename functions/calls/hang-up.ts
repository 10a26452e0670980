import { liveCalls } from "../../db/queries/call-attempts.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { telephonyFor } from "./providers.ts";

type Ctx = { waitUntil(promise: Promise<unknown>): void };

/**
 * Hangs up what is left of a canceled callback's call. The callback is already canceled, so the
 * status updates these calls still send change nothing (every transition requires a live state).
 */
export async function hangUp(env: Env, ctx: Ctx, callbackId: string, mode: "live" | "test"): Promise<void> {
  const telephony = telephonyFor(env, ctx, mode);
  for (const callId of await liveCalls(httpDb(env), callbackId)) {
    await telephony.endCall(callId).catch((err) => console.error(`hang-up: call ${callId} of ${callbackId} could not be ended`, err));
  }
}
