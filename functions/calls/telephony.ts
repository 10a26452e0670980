// What the dialler asks of a telephony provider, and what it gives one. A provider places the
// call to the agent; what happens next comes back as status updates for the state machine
// (status.ts): through the StatusSink the provider is built with (the sandbox), or through the
// provider's own webhook routes (Twilio's, in functions/telephony/), which feed the same
// applyStatus(). A provider never imports the state machine: that is what keeps the dialler free
// of module cycles. Providers are listed, and chosen, in providers.ts.

import type { Env } from "../env.ts";
import type { CallState, StatusUpdate } from "../../schemas/telephony.ts";

export type PlaceCall = {
  attemptId: string;
  agentPhone: string; // E.164; the number rung first
  leadPhone: string; // E.164; bridged in once the agent answers
  leadName: string | null; // whispered to the agent
  callerId: string | null; // E.164; the workspace's own number, or null for the provider's
  record: boolean;
};

/** Where a provider reports how its calls go. The state machine implements it; repeats are harmless. */
export type StatusSink = (update: StatusUpdate) => Promise<void>;

/** What the agent is told when they answer, and whether they must press 1 to take the call. */
export type Greeting = {
  mustAccept: boolean;
  whisper: string;
  leadPhone: string;
  /** A machine that answers the lead's phone is left a voicemail: detection waits for its beep. */
  leaveVoicemail: boolean;
};

/** What to do with a lead's phone once it is answered: bridge the agent, hang up, or leave a voicemail. */
export type LeadAction = { kind: "bridge" } | { kind: "hang-up" } | { kind: "voicemail"; message: string };

/**
 * The decisions between an answer and a conversation (answer.ts), which a provider carries out:
 * the agent's greeting (null: the call is no longer the callback's, hang up), whether the
 * agent's key press takes the call, and what to do with the lead's phone once it is answered.
 */
export type CallAnswers = {
  greeting(attemptId: string): Promise<Greeting | null>;
  agentResponded(attemptId: string, digits: string | null): Promise<boolean>;
  leadAnswered(attemptId: string, answeredBy: string): Promise<LeadAction>;
};

/** What a provider may be built with, besides the settings. */
export type ProviderDeps = {
  report: StatusSink;
  answers: CallAnswers;
  /** Work that must outlive the request that placed the call (the sandbox plays its call here). */
  waitUntil(promise: Promise<unknown>): void;
};

export interface Telephony<Name extends string = string> {
  /** The provider's key in the registry (providers.ts), stored on every call it places. */
  readonly name: Name;
  /** The number its calls come from when the workspace has none of its own; null: the agent's phone. */
  readonly callerId: string | null;
  /** Places the call to the agent; resolves with the provider's call id, or throws. */
  placeCall(call: PlaceCall): Promise<{ callId: string }>;
  /** Hangs up a call in progress (and with it the lead it bridged), or stops it ringing. */
  endCall(callId: string): Promise<void>;
  /**
   * Asks the provider how a call went, for a call whose status updates went silent: "unknown"
   * when it has no record of the call, null when it cannot say now (it did not answer).
   */
  callState(callId: string): Promise<CallState | null>;
}

/**
 * Builds a provider from the settings. A provider whose settings are missing is still built: it
 * refuses each call with an error naming what is missing, which is stored on the attempt.
 */
export type ProviderFactory<Name extends string> = (env: Env, deps: ProviderDeps) => Telephony<Name>;
