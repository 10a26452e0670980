import { findEndpoint, rotateSecret } from "../../db/queries/webhook-endpoints.ts";
import { ApiError } from "../lib/errors.ts";
import { SealedSecretError, type Keyring } from "../lib/secrets.ts";
import { newWebhookSecret } from "../lib/signing.ts";
import { webhookEndpoints } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { RotatedSecret } from "../../schemas/webhooks.ts";

export const rotateWebhookSecret = webhookEndpoints.member({
  method: "post",
  action: "rotate_secret",
  summary: "Rotate a webhook endpoint's secret",
  description:
    "Issues a new secret, returned once. For 24 h the old secret keeps signing beside it: webhook-signature " +
    "then carries two signatures, separated by a space, so a receiver still on the old secret keeps verifying. " +
    "If the current secret cannot be opened (sealed under a key the keyring no longer holds, or altered), it already " +
    "signs nothing: the rotation drops it, only the new secret signs, and previous_secret_expires_at is the rotation's time.",
  responses: { 200: jsonResponse("The new secret", RotatedSecret) },
  errors: { 409: "Other rotations of this endpoint kept coming first, or a request with this Idempotency-Key is still being processed" },
}, async (c, id) => {
  const keyring = c.env.SECRETS_KEYS;
  // The current secret moves to previous_secret, whose seal is bound to that column: it is
  // opened and sealed again, and written only if no other rotation came in between.
  for (let attempt = 1; ; attempt++) {
    const endpoint = await webhookEndpoints.find(c.var.db, c.var.owner, id, findEndpoint);
    const previous = await openCurrent(keyring, endpoint.secret, id);
    const secret = newWebhookSecret();
    const row = await rotateSecret(c.var.db, c.var.owner, id, {
      was: endpoint.secret,
      secret: await keyring.seal(secret, { column: "webhook_endpoints.secret", id }),
      previousSecret: previous === null ? null : await keyring.seal(previous, { column: "webhook_endpoints.previous_secret", id }),
    });
    if (row) {
      // Without a previous secret, the old one stopped signing at the rotation itself.
      const expiresAt = row.previousSecretExpiresAt ?? row.updatedAt;
      return c.json(RotatedSecret.parse({ id: row.id, secret, previous_secret_expires_at: expiresAt.toISOString() }), 200);
    }
    if (attempt === 3) throw new ApiError("conflict", "The secret was rotated by another request meanwhile; try again");
  }
});

// A current secret that does not open signs no delivery already; refusing to rotate it would leave
// the endpoint without a way back to signed deliveries. The log says why, never the value.
async function openCurrent(keyring: Keyring, stored: string, id: string): Promise<string | null> {
  try {
    return await keyring.open(stored, { column: "webhook_endpoints.secret", id });
  } catch (err) {
    if (!(err instanceof SealedSecretError)) throw err;
    console.error(`webhooks: rotating the secret of ${id} without keeping the old one: ${err.message}`);
    return null;
  }
}
