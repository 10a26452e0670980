import type { App } from "../context.ts";
import { deleteEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { requireKey } from "../lib/auth.ts";
import { ApiError } from "../lib/errors.ts";
import { describeRoute } from "../lib/openapi.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";

export function registerDeleteEndpoint(app: App) {
  describeRoute({
    method: "delete",
    path: "/v1/webhook_endpoints/{id}",
    summary: "Delete a webhook endpoint",
    description: "Stops all deliveries to it, including pending retries, and deletes its delivery history.",
    tags: ["webhooks"],
    auth: "key",
    responses: {
      204: { description: "Deleted" },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks webhooks:write", schema: Problem, contentType: "application/problem+json" },
      404: { description: "No such endpoint in this workspace and mode", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.delete("/v1/webhook_endpoints/:id", requireKey({ scope: "webhooks:write" }), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    if (!(await deleteEndpoint(c.var.db, { workspaceId: workspace.id, mode }, id))) {
      throw new ApiError("not_found", `No webhook endpoint ${id}`);
    }
    return c.body(null, 204);
  });
}
