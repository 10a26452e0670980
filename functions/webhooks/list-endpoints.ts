import { listEndpoints } from "../../db/queries/webhook-endpoints.ts";
import { endpointJson } from "../lib/webhook-resources.ts";
import { webhookEndpoints } from "../routes/resources.ts";
import { EndpointList, EndpointListQuery } from "../../schemas/webhooks.ts";

export const listWebhookEndpoints = webhookEndpoints.list(
  {
    summary: "List webhook endpoints",
    description: "The endpoints of the key's workspace and mode, newest first. Secrets are never listed.",
    returns: "A page of endpoints",
    query: EndpointListQuery,
    schema: EndpointList,
  },
  (db, owner, q) => listEndpoints(db, owner, { limit: q.limit, startingAfter: q.cursor }),
  endpointJson,
);
