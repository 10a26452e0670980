import type { App } from "../context.ts";
import { updateEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { requireKey } from "../lib/auth.ts";
import { limitBody } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { describeRoute } from "../lib/openapi.ts";
import { validate } from "../lib/validate.ts";
import { assertDeliverableUrl, endpointJson, fromSubscription } from "../lib/webhook-resources.ts";
import { IdParam } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";
import { Endpoint, UpdateEndpoint } from "../../schemas/webhooks.ts";

export function registerUpdateEndpoint(app: App) {
  describeRoute({
    method: "patch",
    path: "/v1/webhook_endpoints/{id}",
    summary: "Update a webhook endpoint",
    description: "Changes its url, events, description or enabled. Enabling a disabled endpoint clears why it was disabled.",
    tags: ["webhooks"],
    auth: "key",
    body: UpdateEndpoint,
    responses: {
      200: { description: "The endpoint", schema: Endpoint },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks webhooks:write", schema: Problem, contentType: "application/problem+json" },
      404: { description: "No such endpoint in this workspace and mode", schema: Problem, contentType: "application/problem+json" },
      422: { description: "Every invalid field, including a refused URL", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.patch("/v1/webhook_endpoints/:id", limitBody(), requireKey({ scope: "webhooks:write" }), validate("param", IdParam), validate("json", UpdateEndpoint), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.url !== undefined) assertDeliverableUrl(c.env, body.url);
    const row = await updateEndpoint(c.var.db, { workspaceId: workspace.id, mode }, id, {
      ...(body.url !== undefined && { url: body.url }),
      ...(body.events !== undefined && { events: fromSubscription(body.events) }),
      ...(body.description !== undefined && { description: body.description }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
    });
    if (!row) throw new ApiError("not_found", `No webhook endpoint ${id}`);
    return c.json(Endpoint.parse(endpointJson(row)));
  });
}
