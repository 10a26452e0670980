import { listDeliveries } from "../../db/queries/webhook-deliveries.ts";
import { deliveryJson } from "../lib/webhook-resources.ts";
import { webhookDeliveries } from "../routes/resources.ts";
import { DeliveryList, DeliveryListQuery } from "../../schemas/webhooks.ts";

export const listWebhookDeliveries = webhookDeliveries.list(
  {
    summary: "List webhook deliveries",
    description:
      "One delivery per event and receiver, newest first, with every attempt: its time, status code, latency " +
      "and the first 4 KB of the response body. Filter by endpoint, event and status.",
    returns: "A page of deliveries",
    query: DeliveryListQuery,
    schema: DeliveryList,
  },
  (db, owner, q) =>
    listDeliveries(db, owner, { endpointId: q.endpoint_id, eventId: q.event_id, status: q.status, limit: q.limit, startingAfter: q.cursor }),
  deliveryJson,
);
