import { findEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { endpointJson } from "../lib/webhook-resources.ts";
import { webhookEndpoints } from "../routes/resources.ts";
import { Endpoint } from "../../schemas/webhooks.ts";

export const getWebhookEndpoint = webhookEndpoints.get({ summary: "Get a webhook endpoint", returns: "The endpoint (without its secret)", schema: Endpoint }, findEndpoint, endpointJson);
