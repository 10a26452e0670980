import { replayFailedSince } from "../../db/queries/webhook-deliveries.ts";
import { findEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { queueDeliveries } from "../lib/outbox.ts";
import { webhookDeliveries, webhookEndpoints } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { native } from "../routes/kinds/native.ts";
import { ReplayFailedRequest, ReplayFailedResult } from "../../schemas/webhooks.ts";

// A bounded batch per call: one statement resets them, and the answer says whether to call again.
const batch = 500;

export const replayFailedDeliveries = defineRoute(native, {
  ...webhookDeliveries.all("post", jsonBody(ReplayFailedRequest)),
  path: `${webhookDeliveries.path}/replay`,
  summary: "Replay failed webhook deliveries",
  description:
    `Starts a fresh run of attempts for every failed delivery made since \`since\` (to one endpoint, or to every enabled ` +
    `endpoint and agent; a disabled endpoint's stay failed), oldest first, at most ${batch} per call: \`more\` says whether ` +
    "to call again. Each keeps its id (the webhook-id header). Secret keys with webhooks:write.",
  responses: { 202: jsonResponse("Queued", ReplayFailedResult) },
  errors: { 404: "No such endpoint in this workspace and mode" },
}, async (c) => {
  const { since, endpoint_id: endpointId } = c.req.valid("json");
  if (endpointId) await webhookEndpoints.find(c.var.db, c.var.owner, endpointId, findEndpoint);
  const { deliveries, more } = await replayFailedSince(c.var.db, c.var.owner, { since, endpointId }, batch);
  await queueDeliveries(c.env, deliveries);
  return c.json(
    ReplayFailedResult.parse({
      deliveries: deliveries.map((d) => ({ id: d.id, event_id: d.eventId, endpoint_id: d.endpointId, agent_id: d.agentId })),
      more,
    }),
    202,
  );
});
