import { findEvent } from "../../db/queries/events.ts";
import { prepareReplay, type ReplayTarget, replayTargets } from "../../db/queries/webhook-deliveries.ts";
import { findEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { ApiError } from "../lib/errors.ts";
import { queueDeliveries } from "../lib/outbox.ts";
import { events, webhookEndpoints } from "../routes/resources.ts";
import { jsonBody, jsonResponse } from "../routes/route.ts";
import { ReplayRequest, ReplayResult } from "../../schemas/events.ts";

export const replayEvent = events.member({
  method: "post",
  action: "replay",
  // Optional: a POST with no body and no Content-Type replays to all; any other body must be JSON.
  body: jsonBody(ReplayRequest, { required: false }),
  summary: "Replay an event",
  description:
    "Delivers the event again, to every enabled endpoint subscribed to its type (and, for post_call, the agent's " +
    "post-call URL), or to the one endpoint named. Each delivery keeps its id, so the webhook-id is the original; " +
    "the retry schedule starts again. The body is optional: none, or {}, replays to every receiver.",
  responses: { 202: jsonResponse("Queued", ReplayResult) },
  errors: {
    404: "No such event, or endpoint, in this workspace and mode",
    409: "The endpoint is disabled, or a request with this Idempotency-Key is still being processed",
  },
}, async (c, id) => {
  const { endpoint_id: endpointId } = c.req.valid("json");
  const event = await events.find(c.var.db, c.var.owner, id, findEvent);
  let targets: ReplayTarget[];
  if (endpointId) {
    const endpoint = await webhookEndpoints.find(c.var.db, c.var.owner, endpointId, findEndpoint);
    if (!endpoint.enabled) throw new ApiError("conflict", `Webhook endpoint ${endpointId} is disabled; enable it first`);
    targets = [{ endpointId }];
  } else {
    targets = await replayTargets(c.var.db, event);
  }
  const deliveries = await prepareReplay(c.var.db, event, targets);
  await queueDeliveries(c.env, deliveries.map((d) => ({ id: d.id, eventId: event.id })));
  return c.json(ReplayResult.parse({ event_id: event.id, deliveries: deliveries.map((d) => ({ id: d.id, endpoint_id: d.endpointId, agent_id: d.agentId })) }), 202);
});
