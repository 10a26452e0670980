import { insertEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { newId } from "../../schemas/ids.ts";
import { newWebhookSecret } from "../lib/signing.ts";
import { assertDeliverableUrl, endpointJson, fromSubscription } from "../lib/webhook-resources.ts";
import { native } from "../routes/kinds/native.ts";
import { webhookEndpoints } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { CreateEndpoint, EndpointWithSecret } from "../../schemas/webhooks.ts";

export const createWebhookEndpoint = defineRoute(native, {
  ...webhookEndpoints.all("post", jsonBody(CreateEndpoint)),
  summary: "Create a webhook endpoint",
  description:
    "Registers a URL to receive signed events. The secret (whsec_…) is in this response only. " +
    "The URL must be https on port 443 and must not point at a private, loopback, link-local or metadata address.",
  responses: { 201: jsonResponse("The endpoint, with its secret", EndpointWithSecret) },
  errors: { 422: "Every invalid field, including a refused URL" },
}, async (c) => {
  const body = c.req.valid("json");
  assertDeliverableUrl(c.env, body.url);
  const id = newId("webhookEndpoint");
  const secret = newWebhookSecret();
  const row = await insertEndpoint(c.var.db, {
    id,
    ...c.var.owner,
    url: body.url,
    description: body.description ?? null,
    events: fromSubscription(body.events),
    enabled: body.enabled,
    secret: await c.env.SECRETS_KEYS.seal(secret, { column: "webhook_endpoints.secret", id }),
  });
  return c.json(EndpointWithSecret.parse({ ...endpointJson(row), secret }), 201);
});
