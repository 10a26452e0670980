import type { App } from "../context.ts";
import { rotateSecret } from "../../db/queries/webhook-endpoints.ts";
import { requireKey } from "../lib/auth.ts";
import { ApiError } from "../lib/errors.ts";
import { describeRoute } from "../lib/openapi.ts";
import { newWebhookSecret } from "../lib/signing.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";
import { RotatedSecret } from "../../schemas/webhooks.ts";

export function registerRotateSecret(app: App) {
  describeRoute({
    method: "post",
    path: "/v1/webhook_endpoints/{id}/rotate_secret",
    summary: "Rotate a webhook endpoint's secret",
    description:
      "Issues a new secret, returned once. For 24 h the old secret keeps signing beside it: webhook-signature " +
      "then carries two signatures, separated by a space, so a receiver still on the old secret keeps verifying.",
    tags: ["webhooks"],
    auth: "key",
    responses: {
      200: { description: "The new secret", schema: RotatedSecret },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks webhooks:write", schema: Problem, contentType: "application/problem+json" },
      404: { description: "No such endpoint in this workspace and mode", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.post("/v1/webhook_endpoints/:id/rotate_secret", requireKey({ scope: "webhooks:write" }), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const id = c.req.param("id");
    const secret = newWebhookSecret();
    const row = await rotateSecret(c.var.db, { workspaceId: workspace.id, mode }, id, secret);
    if (!row) throw new ApiError("not_found", `No webhook endpoint ${id}`);
    return c.json(RotatedSecret.parse({ id: row.id, secret, previous_secret_expires_at: row.previousSecretExpiresAt!.toISOString() }));
  });
}
