import type { WorkItem } from "../../db/queries/webhook-deliveries.ts";
import { envelopeOf } from "../lib/outbox.ts";
import { SealedSecretError, type Keyring } from "../lib/secrets.ts";
import { hexSignature, standardKey, standardSignature, utf8, type Bytes } from "../lib/signing.ts";
import { EventEnvelope } from "../../schemas/events.ts";
import { eventPayloads } from "../../schemas/event-payloads.ts";
import type { EventType } from "../../schemas/events.ts";
import { pythonJson } from "../lib/python-json.ts";

export type WebhookRequest = { url: string; headers: Record<string, string>; body: Bytes };


/**
 * The request for one attempt of one delivery, signed now (each attempt gets a fresh
 * webhook-timestamp; the webhook-id is the delivery's id, the same on every attempt). The body is
 * compact JSON, encoded once: the bytes signed are the bytes sent.
 *
 * An endpoint gets the envelope; an agent's post-call URL gets seed 002's payload itself, with
 * seed 002's X-Calldock-* headers, so receivers written against that seed work unchanged.
 *
 * The secrets are stored sealed (lib/secrets.ts) and opened here, for this request only. One that
 * does not open is an error of this delivery: nothing is sent.
 */
export async function buildWebhookRequest(item: WorkItem, keyring: Keyring, now = new Date()): Promise<WebhookRequest | Unsendable> {
  try {
    return await signedRequest(item, keyring, now);
  } catch (err) {
    if (!(err instanceof SealedSecretError)) throw err;
    // The reason (which key, which column) is for the operator's log, not the customer's delivery
    // log. Retried on the schedule: during a key rollout an isolate may not hold the key yet.
    console.error(`webhooks: delivery ${item.delivery.id} not sent: ${err.message}`);
    return { error: "the signing secret could not be opened; Ringback's operators have the details", retryable: true };
  }
}

/** Why a delivery cannot be sent, and whether trying again later may do. */
export type Unsendable = { error: string; retryable: boolean };

async function signedRequest(item: WorkItem, keyring: Keyring, now: Date): Promise<WebhookRequest | Unsendable> {
  const { delivery, event, endpoint, agent } = item;
  const type = event.type as EventType;
  const payload = eventPayloads[type]?.schema.safeParse(event.data);
  if (payload && !payload.success) {
    // Sent all the same: a receiver is better served by the event than by its loss. The log says what drifted.
    console.error(`webhooks: event ${event.id} (${type}) does not match its payload schema`, payload.error.issues);
  }
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Ringback-Webhooks/1",
    "webhook-id": delivery.id,
    "webhook-timestamp": String(timestamp),
    "x-ringback-event": type,
  };

  if (endpoint) {
    const body = utf8(JSON.stringify(EventEnvelope.parse(envelopeOf(event))));
    const current = await keyring.open(endpoint.secret, { column: "webhook_endpoints.secret", id: endpoint.id });
    const keys = [current];
    if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
      keys.push(await keyring.open(endpoint.previousSecret, { column: "webhook_endpoints.previous_secret", id: endpoint.id }));
    }
    const signatures = await Promise.all(
      keys.map((secret) => {
        const key = standardKey(secret);
        if (!key) throw new Error(`endpoint ${endpoint.id} has a secret that is not whsec_ base64`);
        return standardSignature(key, delivery.id, timestamp, body);
      }),
    );
    headers["webhook-signature"] = signatures.join(" ");
    headers["x-ringback-signature"] = await hexSignature(current, body);
    return { url: endpoint.url, headers, body };
  }

  if (agent?.webhookUrl && agent.webhookSecret) {
    // Written for the verifier the agent's receiver runs (seed 002's Node or Python snippet).
    const body = utf8(agent.postCallJson === "python" ? pythonJson(event.data) : JSON.stringify(event.data));
    const secret = await keyring.open(agent.webhookSecret, { column: "agents.webhook_secret", id: agent.id });
    const key = standardKey(secret);
    if (key) headers["webhook-signature"] = await standardSignature(key, delivery.id, timestamp, body);
    const hex = await hexSignature(secret, body);
    headers["x-ringback-signature"] = hex;
    headers["x-calldock-event"] = "post_call";
    headers["x-calldock-signature"] = hex;
    return { url: agent.webhookUrl, headers, body };
  }
  return { error: delivery.agentId ? "the agent has no post-call webhook URL and secret" : "the endpoint no longer exists", retryable: false };
}
