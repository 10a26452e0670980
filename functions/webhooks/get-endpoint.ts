import type { App } from "../context.ts";
import { findEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { requireKey } from "../lib/auth.ts";
import { ApiError } from "../lib/errors.ts";
import { describeRoute } from "../lib/openapi.ts";
import { endpointJson } from "../lib/webhook-resources.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";
import { Endpoint } from "../../schemas/webhooks.ts";

export function registerGetEndpoint(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/webhook_endpoints/{id}",
    summary: "Get a webhook endpoint",
    tags: ["webhooks"],
    auth: "key",
    responses: {
      200: { description: "The endpoint (without its secret)", schema: Endpoint },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks webhooks:read", schema: Problem, contentType: "application/problem+json" },
      404: { description: "No such endpoint in this workspace and mode", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.get("/v1/webhook_endpoints/:id", requireKey({ scope: "webhooks:read" }), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    const row = await findEndpoint(c.var.db, { workspaceId: workspace.id, mode }, id);
    if (!row) throw new ApiError("not_found", `No webhook endpoint ${id}`);
    return c.json(Endpoint.parse(endpointJson(row)));
  });
}
