import type { App } from "../context.ts";
import { insertEndpoint } from "../../db/queries/webhook-endpoints.ts";
import { requireKey } from "../lib/auth.ts";
import { limitBody } from "../lib/body.ts";
import { newId } from "../../schemas/ids.ts";
import { describeRoute } from "../lib/openapi.ts";
import { newWebhookSecret } from "../lib/signing.ts";
import { validate } from "../lib/validate.ts";
import { assertDeliverableUrl, endpointJson, fromSubscription } from "../lib/webhook-resources.ts";
import { Problem } from "../../schemas/problem.ts";
import { CreateEndpoint, EndpointWithSecret } from "../../schemas/webhooks.ts";

export function registerCreateEndpoint(app: App) {
  describeRoute({
    method: "post",
    path: "/v1/webhook_endpoints",
    summary: "Create a webhook endpoint",
    description:
      "Registers a URL to receive signed events. The secret (whsec_…) is in this response only. " +
      "The URL must be https on port 443 and must not point at a private, loopback, link-local or metadata address.",
    tags: ["webhooks"],
    auth: "key",
    body: CreateEndpoint,
    responses: {
      201: { description: "The endpoint, with its secret", schema: EndpointWithSecret },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks webhooks:write", schema: Problem, contentType: "application/problem+json" },
      422: { description: "Every invalid field, including a refused URL", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.post("/v1/webhook_endpoints", limitBody(), requireKey({ scope: "webhooks:write" }), validate("json", CreateEndpoint), async (c) => {
    const { workspace, mode } = c.var.caller;
    const body = c.req.valid("json");
    assertDeliverableUrl(c.env, body.url);
    const id = newId("webhookEndpoint");
    const secret = newWebhookSecret();
    const row = await insertEndpoint(c.var.db, {
      id,
      workspaceId: workspace.id,
      mode,
      url: body.url,
      description: body.description ?? null,
      events: fromSubscription(body.events),
      enabled: body.enabled,
      secret: await c.env.SECRETS_KEYS.seal(secret, { column: "webhook_endpoints.secret", id }),
    });
    return c.json(EndpointWithSecret.parse({ ...endpointJson(row), secret }), 201);
  });
}
