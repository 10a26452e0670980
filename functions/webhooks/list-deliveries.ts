import { listDeliveries } from "../../db/queries/webhook-deliveries.ts";
import { deliveryJson, page } from "../lib/webhook-resources.ts";
import { native } from "../routes/kinds/native.ts";
import { cursorAfter } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { DeliveryList, DeliveryListQuery } from "../../schemas/webhooks.ts";

export const listWebhookDeliveries = defineRoute(native, {
  method: "get",
  path: "/v1/webhook_deliveries",
  summary: "List webhook deliveries",
  description:
    "One delivery per event and receiver, newest first, with every attempt: its time, status code, latency " +
    "and the first 4 KB of the response body. Filter by endpoint, event and status.",
  tags: ["webhooks"],
  request: { query: DeliveryListQuery },
  responses: { 200: jsonResponse("A page of deliveries", DeliveryList) },
  scope: "webhooks:read",
}, async (c) => {
  const q = c.req.valid("query");
  const rows = await listDeliveries(c.var.db, c.var.owner, {
    endpointId: q.endpoint_id,
    eventId: q.event_id,
    status: q.status,
    limit: q.limit,
    startingAfter: cursorAfter("webhookDelivery", q.cursor),
  });
  return c.json(DeliveryList.parse(page(rows, q.limit, deliveryJson)), 200);
});
