import { deleteEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { ApiError } from "../lib/errors.ts";
import { native } from "../routes/kinds/native.ts";
import { defineRoute } from "../routes/route.ts";
import { IdParam } from "../../schemas/common.ts";

export const deleteWebhookEndpoint = defineRoute(native, {
  method: "delete",
  path: "/v1/webhook_endpoints/{id}",
  summary: "Delete a webhook endpoint",
  description: "Stops all deliveries to it, including pending retries, and deletes its delivery history.",
  tags: ["webhooks"],
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" } },
  scope: "webhooks:write", errors: { 404: "No such endpoint in this workspace and mode" },
}, async (c) => {
  const { id } = c.req.valid("param");
  if (!(await deleteEndpoint(c.var.db, c.var.owner, id))) {
    throw new ApiError("not_found", `No webhook endpoint ${id}`);
  }
  return c.body(null, 204);
});
