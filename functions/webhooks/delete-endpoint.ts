import { deleteEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { native } from "../routes/kinds/native.ts";
import { webhookEndpoints } from "../routes/resources.ts";
import { defineRoute } from "../routes/route.ts";

export const deleteWebhookEndpoint = defineRoute(native, {
  ...webhookEndpoints.one("delete"),
  summary: "Delete a webhook endpoint",
  description: "Stops all deliveries to it, including pending retries, and deletes its delivery history.",
  responses: { 204: { description: "Deleted" } },
}, async (c) => {
  const { id } = c.req.valid("param");
  webhookEndpoints.assertId(id);
  if (!(await deleteEndpoint(c.var.db, c.var.owner, id))) {
    throw webhookEndpoints.notFound(id);
  }
  return c.body(null, 204);
});
