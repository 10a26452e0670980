// What a call is and how it went, as providers report it and the database stores it.

export type AttemptStatus = "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";

/** The two calls of an attempt: to the agent first, then, once the agent answers, to the lead. */
export type Leg = "agent" | "lead";

export type StatusUpdate = {
  attemptId: string;
  leg: Leg;
  callId: string; // the provider's id of this leg's call (Twilio's CallSid)
  status: AttemptStatus;
  sequence: number | null; // Twilio's SequenceNumber; null when the provider has none
  durationSeconds?: number | null;
  recordingUrl?: string | null;
};

/** What the provider says of a call now: the agent's call, and the lead's call it bridged, if any. */
export type CallState =
  | {
      agent: { status: AttemptStatus; durationSeconds: number | null };
      /** answeredBy: the answering-machine detection's verdict on the lead's call, as the provider recorded it. */
      lead: { callId: string; status: AttemptStatus; durationSeconds: number | null; answeredBy: string | null } | null;
    }
  | "unknown"; // the provider has no record of the call

/** Twilio's CallStatus values, including "initiated", which is an early "queued". */
export function attemptStatusOf(callStatus: string): AttemptStatus | null {
  if (callStatus === "initiated") return "queued";
  const known: AttemptStatus[] = ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"];
  return known.find((status) => status === callStatus) ?? null;
}

/**
 * How an attempt ended without a conversation, where Ringback decided it (functions/calls/answer.ts):
 * the agent pressed no 1, the lead's voicemail was hung up on, or it was left a message.
 */
export const attemptOutcomes = ["not_accepted", "machine", "voicemail_left"] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];
