// One interface, two providers: Twilio for live keys, the sandbox for test keys. A provider
// places the call to the agent; what happens next comes back as status updates, which both
// providers feed through the same applyStatus() (functions/calls/status.ts).

import type { AttemptStatus, CallState } from "../../schemas/telephony.ts";

export type PlaceCall = {
  attemptId: string;
  agentPhone: string; // E.164; Twilio's To
  leadPhone: string; // E.164; dialled from the TwiML once the agent answers
  leadName: string | null; // whispered to the agent
  callerId: string; // E.164; Twilio's From
  record: boolean;
};

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
