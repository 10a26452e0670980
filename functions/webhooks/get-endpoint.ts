import { findEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { endpointJson } from "../lib/webhook-resources.ts";
import { native } from "../routes/kinds/native.ts";
import { found } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { IdParam } from "../../schemas/common.ts";
import { Endpoint } from "../../schemas/webhooks.ts";

export const getWebhookEndpoint = defineRoute(native, {
  method: "get",
  path: "/v1/webhook_endpoints/{id}",
  summary: "Get a webhook endpoint",
  tags: ["webhooks"],
  request: { params: IdParam },
  responses: { 200: jsonResponse("The endpoint (without its secret)", Endpoint) },
  scope: "webhooks:read", errors: { 404: "No such endpoint in this workspace and mode" },
}, async (c) => {
  const { id } = c.req.valid("param");
  const endpoint = found(await findEndpoint(c.var.db, c.var.owner, id), `No webhook endpoint ${id}`);
  return c.json(Endpoint.parse(endpointJson(endpoint)), 200);
});
