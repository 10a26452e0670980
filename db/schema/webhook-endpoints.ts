import { sql } from "drizzle-orm";
import { boolean, index, integer, text } from "drizzle-orm/pg-core";
import { at, createdAt, updatedAt } from "./columns.ts";
import { ownedTable } from "./owned.ts";

export const webhookEndpoints = ownedTable(
  "webhook_endpoints",
  {
    url: text("url").notNull(),
    description: text("description"),
    events: text("events").array().notNull().default(sql`'{*}'::text[]`), // event types, or "*"
    enabled: boolean("enabled").notNull().default(true),
    // whsec_… secrets sign outgoing requests, so they cannot be hashed: they are sealed with
    // AES-GCM under SECRETS_KEYS (functions/lib/secrets.ts). During a rotation the previous
    // secret keeps signing beside the new one until it expires.
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: at("previous_secret_expires_at"),
    failingSince: at("failing_since"),
    disabledReason: text("disabled_reason"),
    // Its health, so that it costs only itself: an endpoint that did not answer within the fast
    // lane's second is served by the slow lane until it answers fast again; one that has failed
    // several times running is paused, its deliveries parked as its own backlog. When the pause
    // ends one of them goes first as the probe; its success releases the rest, its failure
    // pauses the endpoint again, for twice as long (pause_count pauses so far in this episode).
    slowUntil: at("slow_until"),
    pausedUntil: at("paused_until"),
    failureStreak: integer("failure_streak").notNull().default(0),
    pauseCount: integer("pause_count").notNull().default(0),
    probeDeliveryId: text("probe_delivery_id"),
    // Some of its deliveries are parked: the cron probes it when its pause ends, and lets the
    // rest go once it is not paused, should no success of its own do so.
    hasParked: boolean("has_parked").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("webhook_endpoints_workspace_idx").on(t.workspaceId, t.mode, t.id),
    // The cron's look for endpoints with parked deliveries: to probe, or to let them go.
    index("webhook_endpoints_parked_idx")
      .on(t.pausedUntil)
      .where(sql`${t.hasParked}`),
  ],
);
