// Shapes shared by the fake Twilio (Node) and the Worker tests that drive it over HTTP. Types
// only, so both tsconfigs can take them.

/** What the Worker's bindings get: the fake's base URL and credentials, and our public URL. */
export type FakeTwilioBindings = {
  TWILIO_API_BASE: string;
  TWILIO_ACCOUNT_SID: string;
  TWILIO_AUTH_TOKEN: string;
  TWILIO_CALLER_ID: string;
  PUBLIC_URL: string;
};

export type FakeTwilioInfo = { url: string; bindings: FakeTwilioBindings };

declare module "vitest" {
  interface ProvidedContext {
    fakeTwilio: FakeTwilioInfo;
  }
}

/** One create-call request as the fake received it. */
export type RecordedCall = {
  sid: string; // the CallSid the fake answered with ("" when it refused the request)
  attempt: string | null; // the attempt named in the Url parameter
  accountSid: string; // from the request's path
  authorized: boolean; // Basic auth matched the account SID and auth token
  params: [string, string][]; // the form body in order, repeated names repeated
  answered: number; // the HTTP status the fake answered with
};

/** How the fake's REST API says a call went: the agent's call, and the lead's it spawned. */
export type CallStateRequest = {
  callSid: string;
  status: string; // Twilio's CallStatus
  duration?: number;
  child?: { callSid: string; status: string; duration?: number; answeredBy?: string };
};

/** Makes the next create-call (for one attempt, or any) fail as Twilio fails. */
export type Failure = { attempt?: string; status: number; code: number; message: string };

/** in-order; out-of-order: ringing held back until after the last; duplicated: each sent again after the next. */
export type CallbackOrder = "in-order" | "out-of-order" | "duplicated";

export type CallbacksRequest = {
  attempt: string;
  leg: "agent" | "lead";
  order?: CallbackOrder;
  statuses?: string[]; // Twilio CallStatus values in the order they happen; default initiated, ringing, in-progress, completed
  url?: string; // the status callback to send to; the agent leg's defaults to the create-call's StatusCallback
  to?: string; // the lead leg's number
  durationSeconds?: number; // CallDuration on completed
};

/** A request the Worker tests send to the Worker as Twilio would, signed by the twilio package. */
export type ReadyRequest = { url: string; method: "POST"; headers: Record<string, string>; body: string; status?: string; sequence?: number };
