import type { z } from "zod";
import type { EndpointRow } from "../../db/queries/webhook-endpoints.ts";
import type { DeliveryRow } from "../../db/queries/webhook-deliveries.ts";
import type { EventType } from "../../schemas/events.ts";
import type { Delivery, Endpoint, Subscription } from "../../schemas/webhooks.ts";
import type { Env } from "../env.ts";
import { ApiError } from "./errors.ts";
import { checkWebhookUrl } from "./ssrf.ts";

// Rows to API objects for webhook endpoints and deliveries, and the checks their handlers share.

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function endpointJson(row: EndpointRow): z.input<typeof Endpoint> {
  return {
    id: row.id,
    url: row.url,
    events: toSubscription(row.events),
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    failing_since: iso(row.failingSince),
    previous_secret_expires_at: row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date() ? iso(row.previousSecretExpiresAt) : null,
    mode: row.mode,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function deliveryJson(row: DeliveryRow): z.input<typeof Delivery> {
  return {
    id: row.id,
    event_id: row.eventId,
    event: row.eventType as EventType,
    endpoint_id: row.endpointId,
    agent_id: row.agentId,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === "pending" ? iso(row.nextAttemptAt) : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const toSubscription = (events: string[]): z.infer<typeof Subscription> =>
  events.includes("*") ? "*" : (events as EventType[]);

export const fromSubscription = (events: z.infer<typeof Subscription>): string[] => (events === "*" ? ["*"] : events);

/** Refuses a URL Ringback must not post to, as a validation error on `url`. */
export function assertDeliverableUrl(env: Env, url: string): void {
  const verdict = checkWebhookUrl(url, { allowLoopbackHttp: env.WEBHOOKS_ALLOW_LOOPBACK_HTTP });
  if (!verdict.ok) {
    throw new ApiError("validation_failed", "The request json is not valid", {
      issues: [{ path: "url", message: `is not allowed: it ${verdict.reason}` }],
    });
  }
}
