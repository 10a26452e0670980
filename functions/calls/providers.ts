import type { Env } from "../env.ts";
import { sandboxTelephony } from "./sandbox.ts";
import type { Telephony } from "./telephony.ts";
import { twilioTelephony } from "./twilio.ts";

type Ctx = { waitUntil(promise: Promise<unknown>): void };

/** Test keys never reach a phone network: their callbacks ring the sandbox. */
export function telephonyFor(env: Env, ctx: Ctx, mode: "live" | "test"): Telephony {
  return mode === "test" ? sandboxTelephony(env, ctx) : twilioTelephony(env);
}

/** The provider a call was placed with, by the name stored on its attempt. */
export function telephonyNamed(env: Env, ctx: Ctx, name: "twilio" | "sandbox"): Telephony {
  return name === "sandbox" ? sandboxTelephony(env, ctx) : twilioTelephony(env);
}
