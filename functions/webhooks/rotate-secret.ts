import type { App } from "../context.ts";
import { findEndpoint, rotateSecret } from "../../db/queries/webhook-endpoints.ts";
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
      409: { description: "Other rotations of this endpoint kept coming first", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.post("/v1/webhook_endpoints/:id/rotate_secret", requireKey({ scope: "webhooks:write" }), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const owner = { workspaceId: workspace.id, mode };
    const id = c.req.param("id");
    const keyring = c.env.SECRETS_KEYS;
    // The current secret moves to previous_secret, whose seal is bound to that column: it is
    // opened and sealed again, and written only if no other rotation came in between.
    for (let attempt = 1; ; attempt++) {
      const endpoint = await findEndpoint(c.var.db, owner, id);
      if (!endpoint) throw new ApiError("not_found", `No webhook endpoint ${id}`);
      const previous = await keyring.open(endpoint.secret, { column: "webhook_endpoints.secret", id });
      const secret = newWebhookSecret();
      const row = await rotateSecret(c.var.db, owner, id, {
        was: endpoint.secret,
        secret: await keyring.seal(secret, { column: "webhook_endpoints.secret", id }),
        previousSecret: await keyring.seal(previous, { column: "webhook_endpoints.previous_secret", id }),
      });
      if (row) return c.json(RotatedSecret.parse({ id: row.id, secret, previous_secret_expires_at: row.previousSecretExpiresAt!.toISOString() }));
      if (attempt === 3) throw new ApiError("conflict", "The secret was rotated by another request meanwhile; try again");
    }
  });
}
