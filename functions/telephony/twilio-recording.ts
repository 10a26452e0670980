import { saveRecording } from "../calls/status.ts";
import { ApiError } from "../lib/errors.ts";
import { twilioCallback } from "../routes/kinds/twilio.ts";
import { TwilioCallbackQuery, TwilioRecordingForm } from "../../schemas/twilio.ts";

export const twilioRecording = twilioCallback("recording", {
  summary: "Twilio recording status callback",
  description:
    "Called by Twilio for a recorded call attempt (the domain's record_calls). A `completed` recording's " +
    "RecordingUrl is kept on the attempt and its call log; other RecordingStatus values (in-progress, absent, " +
    "failed) change nothing. Signature rules as for the status callback: missing 400, wrong 403.",
  query: TwilioCallbackQuery,
  form: TwilioRecordingForm,
  responses: { 204: { description: "Saved, or nothing to save" } },
}, async (c, { query: { attempt }, form }) => {
  if (form.RecordingStatus !== "completed") return c.body(null, 204);
  if (!form.RecordingUrl) {
    throw new ApiError("bad_request", "A completed recording needs its RecordingUrl", { issues: [{ path: "RecordingUrl", message: "is required", missing: true }] });
  }
  await saveRecording(c.env, attempt, form.RecordingUrl);
  return c.body(null, 204);
});
