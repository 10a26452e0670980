import type { Context } from "hono";
import type { App, AppEnv } from "../context.ts";
import { saveRecording } from "../calls/status.ts";
import { limitBody } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { describeRoute } from "../lib/openapi.ts";
import { Problem } from "../../schemas/problem.ts";
import { TwilioCallbackQuery, TwilioRecordingForm } from "../../schemas/twilio.ts";
import { readFields, verifiedTwilioRequest } from "./twilio-request.ts";

const path = "/telephony/twilio/recording";

export function registerTwilioRecording(app: App) {
  describeRoute({
    method: "post",
    path,
    summary: "Twilio recording status callback",
    description:
      "Called by Twilio for a recorded call attempt (the domain's record_calls). A `completed` recording's " +
      "RecordingUrl is kept on the attempt and its call log; other RecordingStatus values (in-progress, absent, " +
      "failed) change nothing. Signature rules as for the status callback: missing 400, wrong 403.",
    tags: ["telephony"],
    auth: "none",
    query: TwilioCallbackQuery,
    responses: {
      204: { description: "Saved, or nothing to save" },
      400: { description: "No X-Twilio-Signature, or fields Twilio would not send", schema: Problem, contentType: "application/problem+json" },
      403: { description: "X-Twilio-Signature does not match", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.post(path, limitBody(), recording);
}

async function recording(c: Context<AppEnv>) {
  const params = await verifiedTwilioRequest(c);
  const { attempt } = readFields(TwilioCallbackQuery, (name) => c.req.query(name), "query");
  const form = readFields(TwilioRecordingForm, (name) => params.get(name), "recording callback");
  if (form.RecordingStatus !== "completed") return c.body(null, 204);
  if (!form.RecordingUrl) {
    throw new ApiError("bad_request", "A completed recording needs its RecordingUrl", { issues: [{ path: "RecordingUrl", message: "is required", missing: true }] });
  }
  await saveRecording(c.env, attempt, form.RecordingUrl);
  return c.body(null, 204);
}
