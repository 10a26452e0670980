import { z } from "zod";
import { Mode } from "./account.ts";
import { EventType, eventTypes } from "./events.ts";
import { idCursor, listQuery, OffsetTime, page } from "./common.ts";

// Webhook endpoints and their deliveries: the public contract.

export const Subscription = z
  .union([
    z.literal("*"),
    z
      .array(EventType)
      .min(1)
      .max(eventTypes.length)
      .refine((types) => new Set(types).size === types.length, { message: "lists an event type twice" }),
  ])
  .describe('The event types this endpoint receives, or "*" for all of them')
  .meta({ id: "Subscription" });

const url = z
  .string()
  .max(2048)
  .describe("https on port 443; no userinfo, no private, loopback, link-local or metadata addresses");
const description = z.string().max(500).nullable();

export const CreateEndpoint = z
  .strictObject({
    url,
    events: Subscription.default("*"),
    description: description.optional(),
    enabled: z.boolean().default(true),
  })
  .meta({ id: "CreateWebhookEndpoint" });

export const UpdateEndpoint = z
  .strictObject({
    url: url.optional(),
    events: Subscription.optional(),
    description: description.optional(),
    enabled: z.boolean().optional().describe("true re-enables an endpoint that was disabled, and clears why"),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "Give at least one field to change" })
  .meta({ id: "UpdateWebhookEndpoint" });

export const Endpoint = z
  .object({
    id: z.string().describe("we_…"),
    url: z.string(),
    events: Subscription,
    description: description,
    enabled: z.boolean(),
    disabled_reason: z.string().nullable().describe("Why Ringback disabled it: a 410, or failing for 5 days"),
    failing_since: z.iso.datetime().nullable().describe("Start of the current run of failed attempts"),
    previous_secret_expires_at: z.iso
      .datetime()
      .nullable()
      .describe("During a rotation: until when the previous secret still signs beside the new one"),
    mode: Mode,
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "WebhookEndpoint" });

export const EndpointWithSecret = Endpoint.extend({
  secret: z.string().describe("whsec_ + base64 of 32 random bytes; shown once"),
}).meta({ id: "WebhookEndpointWithSecret" });

export const EndpointList = z.object(page(Endpoint)).meta({ id: "WebhookEndpointList" });

export const RotatedSecret = z
  .object({
    id: z.string(),
    secret: z.string().describe("The new secret; shown once"),
    previous_secret_expires_at: z.iso.datetime().describe("The old secret keeps signing until then (24 h)"),
  })
  .meta({ id: "RotatedWebhookSecret" });

export const EndpointListQuery = listQuery(idCursor("webhookEndpoint"), {});

export const DeliveryStatus = z.enum(["pending", "succeeded", "failed"]);

export const DeliveryAttempt = z
  .object({
    at: z.iso.datetime(),
    status_code: z.number().int().nullable().describe("null when no response came (timeout, refused URL, network error)"),
    latency_ms: z.number().int().min(0),
    response_body: z.string().nullable().describe("The first 4 KB of the response body"),
    error: z.string().nullable(),
  })
  .meta({ id: "WebhookDeliveryAttempt" });

export const Delivery = z
  .object({
    id: z.string().describe("whd_…; sent as the webhook-id header, the same on every attempt and replay"),
    event_id: z.string(),
    event: EventType,
    endpoint_id: z.string().nullable(),
    agent_id: z.string().nullable().describe("Set for an agent's post-call webhook"),
    status: DeliveryStatus,
    attempts: z.array(DeliveryAttempt),
    next_attempt_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "WebhookDelivery" });

export const DeliveryList = z.object(page(Delivery)).meta({ id: "WebhookDeliveryList" });

export const DeliveryListQuery = listQuery(idCursor("webhookDelivery"), {
  endpoint_id: z.string().max(100).optional().describe("Only deliveries to this endpoint"),
  event_id: z.string().max(100).optional().describe("Only deliveries of this event"),
  status: DeliveryStatus.optional(),
});

export const ReplayFailedRequest = z
  .strictObject({
    since: OffsetTime.describe("Replay failed deliveries made at or after this time"),
    endpoint_id: z.string().max(100).optional().describe("Only this endpoint's; otherwise every enabled endpoint's and agent's"),
  })
  .meta({ id: "ReplayFailedRequest" });

const Replayed = z.object({ id: z.string(), event_id: z.string(), endpoint_id: z.string().nullable(), agent_id: z.string().nullable() });

export const ReplayFailedResult = z
  .object({
    deliveries: z.array(Replayed).describe("The deliveries queued again, oldest first; each keeps its id (the webhook-id header)"),
    more: z.boolean().describe("true: more failed deliveries are left; call again to replay the next ones"),
  })
  .meta({ id: "ReplayFailedResult" });

export const ReplayedDelivery = Replayed.meta({ id: "ReplayedDelivery" });
