import { z } from "zod";
import type { App } from "../context.ts";
import { describeWebhook } from "../lib/openapi.ts";
import { eventPayloads } from "../../schemas/event-payloads.ts";
import { eventTypes } from "../../schemas/events.ts";

const headers = {
  "webhook-id": "The delivery's id (whd_…): the same on every attempt and replay of this event to this receiver",
  "webhook-timestamp": "Unix seconds when this attempt was signed",
  "webhook-signature": "Standard Webhooks: v1,<base64 HMAC-SHA256 of id.timestamp.body>; two, space-separated, during a rotation",
  "x-ringback-event": "The event type",
  "x-ringback-signature": "Hex HMAC-SHA256 of the raw body, keyed with the whole secret string (seed 002's style)",
};

/** The event catalogue in the OpenAPI document: one outgoing webhook per event type. */
export function registerWebhookCatalogue(_app: App) {
  for (const type of eventTypes) {
    const { version, schema } = eventPayloads[type];
    describeWebhook({
      name: type,
      summary: `${type} (payload version ${version})`,
      description:
        type === "post_call"
          ? "Endpoints get the envelope. An agent's post-call URL gets the payload itself (seed 002's shape), with " +
            "X-Calldock-Event: post_call and X-Calldock-Signature (hex HMAC-SHA256 of the body under the agent's secret)."
          : undefined,
      headers,
      body: z.object({ id: z.string(), event: z.literal(type), created_at: z.iso.datetime(), data: schema }),
    });
  }
}
