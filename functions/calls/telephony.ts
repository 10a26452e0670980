// One interface, two providers: Twilio for live keys, the sandbox for test keys. A provider
// places the call to the agent; what happens next comes back as status updates, which both
// providers feed through the same applyStatus() (functions/calls/status.ts).

export type AttemptStatus = "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";

/** The two calls of an attempt: to the agent first, then, once the agent answers, to the lead. */
export type Leg = "agent" | "lead";

export type PlaceCall = {
  attemptId: string;
  agentPhone: string; // E.164; Twilio's To
  leadPhone: string; // E.164; dialled from the TwiML once the agent answers
  leadName: string | null; // whispered to the agent
  callerId: string; // E.164; Twilio's From
  record: boolean;
};

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
      lead: { callId: string; status: AttemptStatus; durationSeconds: number | null } | null;
    }
  | "unknown"; // the provider has no record of the call

export interface Telephony {
  readonly name: "twilio" | "sandbox";
  /** Places the call to the agent; resolves with the provider's call id, or throws. */
  placeCall(call: PlaceCall): Promise<{ callId: string }>;
  /** Hangs up a call in progress (and with it the lead it bridged), or stops it ringing. */
  endCall(callId: string): Promise<void>;
  /**
   * Asks the provider how a call went, for a call whose status callbacks went silent: "unknown"
   * when it has no record of the call, null when it cannot say (it did not answer, or keeps no
   * state).
   */
  callState(callId: string): Promise<CallState | null>;
}

/** Twilio's CallStatus values, including "initiated", which is an early "queued". */
export function attemptStatusOf(callStatus: string): AttemptStatus | null {
  if (callStatus === "initiated") return "queued";
  const known: AttemptStatus[] = ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"];
  return (known as string[]).includes(callStatus) ? (callStatus as AttemptStatus) : null;
}
