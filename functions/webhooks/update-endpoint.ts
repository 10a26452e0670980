import { updateEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { assertDeliverableUrl, endpointJson, fromSubscription } from "../lib/webhook-resources.ts";
import { webhookEndpoints } from "../routes/resources.ts";
import { jsonBody, jsonResponse } from "../routes/route.ts";
import { Endpoint, UpdateEndpoint } from "../../schemas/webhooks.ts";

export const updateWebhookEndpoint = webhookEndpoints.member({
  method: "patch",
  body: jsonBody(UpdateEndpoint),
  summary: "Update a webhook endpoint",
  description: "Changes its url, events, description or enabled. Enabling a disabled endpoint clears why it was disabled.",
  responses: { 200: jsonResponse("The endpoint", Endpoint) },
  errors: { 422: "Every invalid field, including a refused URL" },
}, async (c, id) => {
  const body = c.req.valid("json");
  if (body.url !== undefined) assertDeliverableUrl(c.env, body.url);
  const row = await updateEndpoint(c.var.db, c.var.owner, id, {
    ...(body.url !== undefined && { url: body.url }),
    ...(body.events !== undefined && { events: fromSubscription(body.events) }),
    ...(body.description !== undefined && { description: body.description }),
    ...(body.enabled !== undefined && { enabled: body.enabled }),
  });
  if (!row) throw webhookEndpoints.notFound(id);
  return c.json(Endpoint.parse(endpointJson(row)), 200);
});
