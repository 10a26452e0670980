import { applyStatus } from "../calls/status.ts";
import { twilioCallback } from "../routes/kinds/twilio.ts";
import { TwilioStatusForm, TwilioStatusQuery } from "../../schemas/twilio.ts";

export const twilioStatus = twilioCallback("status", {
  summary: "Twilio call status callback",
  description:
    "Called by Twilio, not by API clients: the progress of a call attempt's agent leg (our call to the agent) or " +
    "lead leg (the agent's <Dial> to the lead). No API key; the request must carry Twilio's X-Twilio-Signature over " +
    "PUBLIC_URL + this path and query, with the form fields (a JSON body: its bodySHA256 in the query). Missing " +
    "signature 400, wrong one 403, neither writes anything. Reads CallSid, CallStatus (initiated counts as queued), " +
    "SequenceNumber, CallDuration and RecordingUrl. A callback that would move the call backwards (a ringing after " +
    "completed, a repeat, an older SequenceNumber), or names no known attempt, changes nothing and is still " +
    "answered 204, so Twilio does not retry.",
  query: TwilioStatusQuery,
  form: TwilioStatusForm,
  responses: { 204: { description: "Applied, or ignored as stale or repeated" } },
}, async (c, { query: { attempt, leg }, form }) => {
  await applyStatus(c.env, c.executionCtx, {
    attemptId: attempt,
    leg,
    callId: form.CallSid,
    status: form.CallStatus,
    sequence: form.SequenceNumber ?? null,
    durationSeconds: form.CallDuration ?? null,
    recordingUrl: form.RecordingUrl ?? null,
  });
  return c.body(null, 204);
});
