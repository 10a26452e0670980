import type { App } from "../context.ts";
import { listEndpoints } from "../../db/queries/webhook-endpoints.ts";
import { requireKey } from "../lib/auth.ts";
import { describeRoute } from "../lib/openapi.ts";
import { validate } from "../lib/validate.ts";
import { endpointJson, page } from "../lib/webhook-resources.ts";
import { Problem } from "../../schemas/problem.ts";
import { decodeCursor } from "../../schemas/common.ts";
import { EndpointList, EndpointListQuery } from "../../schemas/webhooks.ts";

export function registerListEndpoints(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/webhook_endpoints",
    summary: "List webhook endpoints",
    description: "The endpoints of the key's workspace and mode, newest first. Secrets are never listed.",
    tags: ["webhooks"],
    auth: "key",
    query: EndpointListQuery,
    responses: {
      200: { description: "A page of endpoints", schema: EndpointList },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks webhooks:read", schema: Problem, contentType: "application/problem+json" },
      422: { description: "Invalid query", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.get("/v1/webhook_endpoints", requireKey({ scope: "webhooks:read" }), validate("query", EndpointListQuery), async (c) => {
    const { workspace, mode } = c.var.caller;
    const query = c.req.valid("query");
    const rows = await listEndpoints(c.var.db, { workspaceId: workspace.id, mode }, { limit: query.limit, startingAfter: query.cursor ? decodeCursor("webhookEndpoint", query.cursor)! : undefined });
    return c.json(EndpointList.parse(page(rows, query.limit, endpointJson)));
  });
}
