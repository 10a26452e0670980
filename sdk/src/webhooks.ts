import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { webhooks } from "./schema.ts";

// Ringback signs every delivery to a webhook endpoint the Standard Webhooks way (webhook-id,
// webhook-timestamp, webhook-signature); this checks it with the reference library and hands the
// body back typed by the document's `webhooks` catalogue. An agent's post-call URL gets seed
// 002's bare payload instead of the envelope: check those with X-Calldock-Signature.

export { WebhookVerificationError };

/** form_response.created, lead.updated, callback.scheduled, … : the catalogue in openapi.json. */
export type WebhookEventType = keyof webhooks;

/** The envelope `{ id, event, created_at, data }` of one type (or, by default, of any): narrow on `event`. */
export type WebhookEvent<T extends WebhookEventType = WebhookEventType> = {
  [K in T]: webhooks[K]["post"]["requestBody"]["content"]["application/json"];
}[T];

/** A Fetch `Headers`, or a plain object such as Node's `req.headers` (names in any case). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

const signed = ["webhook-id", "webhook-timestamp", "webhook-signature"] as const;

/**
 * The event, once its signature is one of `secret`'s (the endpoint's `whsec_…`; during a rotation
 * either secret works) and its timestamp within 5 minutes of this clock. Throws
 * WebhookVerificationError otherwise. `rawBody` is the body exactly as received: parsed and
 * re-serialised JSON no longer matches the signature.
 */
export function verifyWebhook(secret: string, rawBody: string | Uint8Array, headers: WebhookHeaders): WebhookEvent {
  const body = typeof rawBody === "string" ? rawBody : new TextDecoder().decode(rawBody);
  new Webhook(secret).verify(body, pick(headers), { jsonParse: false });
  // Signed by the secret but not an envelope (not JSON, empty, a bare payload): typing it as an
  // event would be a lie the caller finds later.
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    event = undefined;
  }
  if (!isEnvelope(event)) throw new WebhookVerificationError("The signed body is not a Ringback event envelope");
  return event;
}

function isEnvelope(value: unknown): value is WebhookEvent {
  if (typeof value !== "object" || value === null) return false;
  const { id, event, created_at, data } = value as Record<string, unknown>;
  return typeof id === "string" && typeof event === "string" && typeof created_at === "string" && typeof data === "object" && data !== null;
}

/** The three signed headers, found in any case; a missing one is left out, and verify refuses. */
function pick(headers: WebhookHeaders): Record<string, string> {
  const found = new Map<string, string>();
  // Duck-typed, not `instanceof Headers`: a runtime's or a framework's own Headers class is one too.
  if (typeof headers.get === "function") {
    const fetchHeaders = headers as Headers;
    for (const name of signed) {
      const value = fetchHeaders.get(name);
      if (value !== null) found.set(name, value);
    }
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
      const lower = name.toLowerCase();
      if (typeof value === "string" && (signed as readonly string[]).includes(lower)) found.set(lower, value);
    }
  }
  return Object.fromEntries(found);
}
