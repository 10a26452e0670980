import { z } from "zod";
import type { App } from "../context.ts";
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
export function registerWebhookCatalogue(app: App) {
  for (const type of eventTypes) {
    const { version, schema } = eventPayloads[type];
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      summary: `${type} (payload version ${version})`,
      description:
        type === "post_call"
          ? "Endpoints get the envelope. An agent's post-call URL gets the payload itself (seed 002's shape), with " +
            "X-Calldock-Event: post_call and X-Calldock-Signature (hex HMAC-SHA256 of the body under the agent's secret)."
          : undefined,
      request: {
        headers: z.object(Object.fromEntries(Object.entries(headers).map(([name, description]) => [name, z.string().describe(description)]))),
        body: { required: true, content: { "application/json": { schema: z.object({ id: z.string(), event: z.literal(type), created_at: z.iso.datetime(), data: schema }) } } },
      },
      responses: { 200: { description: "Received (any 2xx). Anything else is retried; 410 disables the endpoint." } },
    });
  }
}
