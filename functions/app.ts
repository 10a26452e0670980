import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context.ts";
import { databaseFailure, outageRetryAfterSeconds } from "./lib/db-errors.ts";
import { ApiError } from "./lib/errors.ts";
import { loggable } from "./lib/log-error.ts";
import { errorResponse } from "./lib/respond-error.ts";
import { httpDb } from "../db/client.ts";
import { openApiDocument } from "./lib/openapi.ts";
import { registerHealth } from "./system/health.ts";
import { registerOpenApi } from "./system/openapi.ts";
import { registerMe } from "./account/me.ts";
import { registerCreateEndpoint } from "./webhooks/create-endpoint.ts";
import { registerListEndpoints } from "./webhooks/list-endpoints.ts";
import { registerGetEndpoint } from "./webhooks/get-endpoint.ts";
import { registerUpdateEndpoint } from "./webhooks/update-endpoint.ts";
import { registerDeleteEndpoint } from "./webhooks/delete-endpoint.ts";
import { registerRotateSecret } from "./webhooks/rotate-secret.ts";
import { registerListDeliveries } from "./webhooks/list-deliveries.ts";
import { registerWebhookCatalogue } from "./webhooks/catalogue.ts";
import { registerListEvents } from "./events/list-events.ts";
import { registerGetEvent } from "./events/get-event.ts";
import { registerReplayEvent } from "./events/replay-event.ts";
import { registerFormResponses } from "./intake/form-responses.ts";
import { registerAddCallApi } from "./intake/add-call-api.ts";
import { registerCreateCallback } from "./callbacks/create.ts";
import { registerListCallbacks } from "./callbacks/list.ts";
import { registerGetCallback } from "./callbacks/get.ts";
import { registerCancelCallback } from "./callbacks/cancel.ts";
import { registerCallbackEligibility } from "./callbacks/eligibility.ts";
import { registerListLeads } from "./leads/list.ts";
import { registerGetLead } from "./leads/get.ts";
import { registerUpdateLead } from "./leads/update.ts";
import { registerLeadCompliance } from "./leads/compliance.ts";
import { registerAddDncNumber } from "./dnc/add.ts";
import { registerRemoveDncNumber } from "./dnc/remove.ts";
import { registerListDncNumbers } from "./dnc/list.ts";
import { registerCallLogs } from "./intake/call-logs.ts";
import { registerMakeCall } from "./intake/make-call.ts";
import { registerTwilioStatus } from "./telephony/twilio-status.ts";
import { registerTwilioTwiml } from "./telephony/twilio-twiml.ts";
import { registerTwilioRecording } from "./telephony/twilio-recording.ts";

export function newApp() {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set("db", httpDb(c.env));
    await next();
    // A key in a URL leaks through the Referer of anything the response links to.
    if (new URL(c.req.url).searchParams.has("api_key")) c.header("Referrer-Policy", "no-referrer");
  });

  // system
  registerHealth(app);
  registerOpenApi(app, () => openApiDocument(apiInfo));
  // account
  registerMe(app);
  // webhooks
  registerCreateEndpoint(app);
  registerListEndpoints(app);
  registerGetEndpoint(app);
  registerUpdateEndpoint(app);
  registerDeleteEndpoint(app);
  registerRotateSecret(app);
  registerListDeliveries(app);
  registerWebhookCatalogue(app);
  // events
  registerListEvents(app);
  registerGetEvent(app);
  registerReplayEvent(app);
  // callbacks and leads: the native API
  registerCreateCallback(app);
  registerListCallbacks(app);
  registerGetCallback(app);
  registerCancelCallback(app);
  registerCallbackEligibility(app);
  registerListLeads(app);
  registerGetLead(app);
  registerUpdateLead(app);
  registerLeadCompliance(app);
  // do-not-call
  registerAddDncNumber(app);
  registerRemoveDncNumber(app);
  registerListDncNumbers(app);
  // intake: the seed APIs
  registerFormResponses(app);
  registerAddCallApi(app);
  registerCallLogs(app);
  registerMakeCall(app);
  // telephony
  registerTwilioStatus(app);
  registerTwilioTwiml(app);
  registerTwilioRecording(app);

  app.notFound((c) => errorResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const error = toApiError(err);
    // Refusals are expected; a bug, an outage or a gap in the input checks is logged with its
    // stack, but never with a failed statement's parameters (lib/log-error.ts).
    if (error.code === "internal" || !(err instanceof ApiError || err instanceof HTTPException)) console.error(loggable(err));
    if (new URL(c.req.url).searchParams.has("api_key")) error.headers["Referrer-Policy"] = "no-referrer";
    return errorResponse(c, error);
  });
  return app;
}

export const apiInfo = {
  title: "Ringback API",
  version: "0.1.0",
  description: "Speed-to-lead callbacks: intake, scheduling, calls and signed webhook events.",
};

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    // Hono's own 4xx, e.g. a malformed JSON body seen by the validator.
    if (err.status === 413) return new ApiError("payload_too_large", "The request body is too large");
    if (err.status >= 400 && err.status < 500) return new ApiError("bad_request", err.message);
  }
  switch (databaseFailure(err)) {
    case "outage":
      return new ApiError("unavailable", `The service is temporarily unavailable; retry after ${outageRetryAfterSeconds} seconds`, {
        headers: { "Retry-After": String(outageRetryAfterSeconds) },
        facts: { reason: "outage", retryAfter: outageRetryAfterSeconds },
      });
    case "unstorable_text":
      return new ApiError("bad_request", "The request contains text that cannot be stored (a NUL character or half of a surrogate pair)", {
        facts: { reason: "control_character" },
      });
  }
  // Anything else is a bug: the client gets a generic message, the log the stack.
  return new ApiError("internal", "An unexpected error occurred");
}
