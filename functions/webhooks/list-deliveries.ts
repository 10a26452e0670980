import type { App } from "../context.ts";
import { listDeliveries } from "../../db/queries/webhook-deliveries.ts";
import { requireKey } from "../lib/auth.ts";
import { describeRoute } from "../lib/openapi.ts";
import { validate } from "../lib/validate.ts";
import { deliveryJson, page } from "../lib/webhook-resources.ts";
import { Problem } from "../../schemas/problem.ts";
import { decodeCursor } from "../../schemas/common.ts";
import { DeliveryList, DeliveryListQuery } from "../../schemas/webhooks.ts";

export function registerListDeliveries(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/webhook_deliveries",
    summary: "List webhook deliveries",
    description:
      "One delivery per event and receiver, newest first, with every attempt: its time, status code, latency " +
      "and the first 4 KB of the response body. Filter by endpoint, event and status.",
    tags: ["webhooks"],
    auth: "key",
    query: DeliveryListQuery,
    responses: {
      200: { description: "A page of deliveries", schema: DeliveryList },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks webhooks:read", schema: Problem, contentType: "application/problem+json" },
      422: { description: "Invalid query", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.get("/v1/webhook_deliveries", requireKey({ scope: "webhooks:read" }), validate("query", DeliveryListQuery), async (c) => {
    const { workspace, mode } = c.var.caller;
    const q = c.req.valid("query");
    const rows = await listDeliveries(c.var.db, { workspaceId: workspace.id, mode }, {
      endpointId: q.endpoint_id,
      eventId: q.event_id,
      status: q.status,
      limit: q.limit,
      startingAfter: q.cursor ? decodeCursor("webhookDelivery", q.cursor)! : undefined,
    });
    return c.json(DeliveryList.parse(page(rows, q.limit, deliveryJson)));
  });
}
