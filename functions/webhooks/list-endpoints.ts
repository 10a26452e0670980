import { listEndpoints } from "../../db/queries/webhook-endpoints.ts";
import { endpointJson, page } from "../lib/webhook-resources.ts";
import { native } from "../routes/kinds/native.ts";
import { cursorAfter } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { EndpointList, EndpointListQuery } from "../../schemas/webhooks.ts";

export const listWebhookEndpoints = defineRoute(native, {
  method: "get",
  path: "/v1/webhook_endpoints",
  summary: "List webhook endpoints",
  description: "The endpoints of the key's workspace and mode, newest first. Secrets are never listed.",
  tags: ["webhooks"],
  request: { query: EndpointListQuery },
  responses: { 200: jsonResponse("A page of endpoints", EndpointList) },
  scope: "webhooks:read",
}, async (c) => {
  const query = c.req.valid("query");
  const rows = await listEndpoints(c.var.db, c.var.owner, { limit: query.limit, startingAfter: cursorAfter("webhookEndpoint", query.cursor) });
  return c.json(EndpointList.parse(page(rows, query.limit, endpointJson)), 200);
});
