import { findDelivery } from "../../db/queries/webhook-deliveries.ts";
import { deliveryJson } from "../lib/webhook-resources.ts";
import { webhookDeliveries } from "../routes/resources.ts";
import { Delivery } from "../../schemas/webhooks.ts";

export const getWebhookDelivery = webhookDeliveries.get({
  summary: "Get a webhook delivery",
  description: "One delivery with every attempt: its time, status code, latency and the first 4 KB of the response body. Secret keys with webhooks:read.",
  returns: "The delivery",
  schema: Delivery,
}, findDelivery, deliveryJson);
