import { deleteEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { webhookEndpoints } from "../routes/resources.ts";

export const deleteWebhookEndpoint = webhookEndpoints.member({
  method: "delete",
  summary: "Delete a webhook endpoint",
  description: "Stops all deliveries to it, including pending retries, and deletes its delivery history.",
  responses: { 204: { description: "Deleted" } },
}, async (c, id) => {
  if (!(await deleteEndpoint(c.var.db, c.var.owner, id))) {
    throw webhookEndpoints.notFound(id);
  }
  return c.body(null, 204);
});
