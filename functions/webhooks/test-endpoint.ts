import { insertTestDelivery } from "../../db/queries/webhook-deliveries.ts";
import { findEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { ApiError } from "../lib/errors.ts";
import { newEvent, queueDeliveries } from "../lib/outbox.ts";
import { webhookEndpoints } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { ReplayedDelivery } from "../../schemas/webhooks.ts";

export const testWebhookEndpoint = webhookEndpoints.member({
  method: "post",
  action: "test",
  summary: "Send a test event",
  description:
    "Sends a webhook.test event to this endpoint only (whatever it subscribes to), signed and retried like any other; " +
    "follow it with GET /v1/webhook_deliveries/{id}. No body is read. Secret keys with webhooks:write.",
  responses: { 202: jsonResponse("Queued", ReplayedDelivery) },
  errors: { 409: "The endpoint is disabled; or a request with this Idempotency-Key is still being processed" },
}, async (c, id) => {
  const endpoint = await webhookEndpoints.find(c.var.db, c.var.owner, id, findEndpoint);
  if (!endpoint.enabled) throw new ApiError("conflict", `Webhook endpoint ${id} is disabled; enable it first`);
  const event = newEvent(c.var.owner, "webhook.test", { endpoint_id: id, message: "A test event from Ringback" });
  const delivery = await insertTestDelivery(c.var.db, event, id);
  await queueDeliveries(c.env, [delivery]);
  return c.json(ReplayedDelivery.parse({ id: delivery.id, event_id: event.id, endpoint_id: id, agent_id: null }), 202);
});
