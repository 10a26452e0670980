import { findDelivery, prepareReplay } from "../../db/queries/webhook-deliveries.ts";
import { findEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { ApiError } from "../lib/errors.ts";
import { queueDeliveries } from "../lib/outbox.ts";
import { webhookDeliveries } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { ReplayedDelivery } from "../../schemas/webhooks.ts";

export const replayWebhookDelivery = webhookDeliveries.member({
  method: "post",
  action: "replay",
  summary: "Replay a webhook delivery",
  description:
    "Sends this delivery's event again to the same receiver, whatever its status: the delivery keeps its id (the " +
    "webhook-id header) and starts a fresh run of the retry schedule. No body is read. Secret keys with webhooks:write.",
  responses: { 202: jsonResponse("Queued", ReplayedDelivery) },
  errors: { 409: "The delivery's endpoint is disabled; or a request with this Idempotency-Key is still being processed" },
}, async (c, id) => {
  const delivery = await webhookDeliveries.find(c.var.db, c.var.owner, id, findDelivery);
  if (delivery.endpointId) {
    const endpoint = await findEndpoint(c.var.db, c.var.owner, delivery.endpointId);
    if (!endpoint?.enabled) throw new ApiError("conflict", `Webhook endpoint ${delivery.endpointId} is disabled; enable it first`);
  }
  const target = delivery.endpointId ? { endpointId: delivery.endpointId } : { agentId: delivery.agentId ?? "" };
  const [replayed] = await prepareReplay(c.var.db, { id: delivery.eventId, workspaceId: delivery.workspaceId, mode: delivery.mode }, [target]);
  await queueDeliveries(c.env, [{ id: delivery.id, eventId: delivery.eventId }]);
  return c.json(ReplayedDelivery.parse({ id: replayed?.id ?? delivery.id, event_id: delivery.eventId, endpoint_id: delivery.endpointId, agent_id: delivery.agentId }), 202);
});
