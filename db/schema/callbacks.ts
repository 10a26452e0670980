import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgEnum, text } from "drizzle-orm/pg-core";
import { agents } from "./agents.ts";
import { at, createdAt, optionalRef, parentRef, updatedAt } from "./columns.ts";
import { domains } from "./domains.ts";
import { leads } from "./leads.ts";
import { ownedTable } from "./owned.ts";

export const callbackStatus = pgEnum("callback_status", [
  "scheduled",
  "dialing",
  "connected",
  "completed",
  "retry_scheduled",
  "exhausted",
  "canceled",
  "blocked",
]);

export const callbackSource = pgEnum("callback_source", ["form_response", "make_call", "add_call_api", "api"]);

export type AgentOverride = { name: string | null; phone: string };

/** Why a callback waits past the time it was asked for (functions/compliance/decide.ts). */
export type CallbackHold = { until: string | null; reason: string; rule: string; citation: string | null; zone: string; zone_source: string };

export const callbacks = ownedTable(
  "callbacks",
  {
    leadId: parentRef("lead_id", () => leads.id),
    domainId: optionalRef("domain_id", () => domains.id),
    agentId: optionalRef("agent_id", () => agents.id),
    agentOverride: jsonb("agent_override").$type<AgentOverride>(), // Brightcall's one-off agent
    source: callbackSource("source").notNull(),
    sourceId: text("source_id"), // e.g. the form response that asked for it
    status: callbackStatus("status").notNull().default("scheduled"),
    scheduledAt: at("scheduled_at").notNull(), // what the caller asked for
    nextAttemptAt: at("next_attempt_at"), // when the dialer may next pick it up
    hold: jsonb("hold").$type<CallbackHold>(), // why next_attempt_at is later than asked; null when it is not
    timezone: text("timezone"),
    attemptCount: integer("attempt_count").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(5),
    retryIntervalsSeconds: integer("retry_intervals_seconds").array().notNull(),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    // sha256 of what asked for the callback (source, domain, phone, payload): an identical
    // request within ten minutes does not schedule a second one.
    fingerprint: text("fingerprint"),
    endedReason: text("ended_reason"),
    claimedAt: at("claimed_at"),
    completedAt: at("completed_at"),
    canceledAt: at("canceled_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The cron's walk of due callbacks, a page at a time in this order (db/queries/call-attempts.ts).
    index("callbacks_due_idx")
      .on(t.nextAttemptAt, t.id)
      .where(sql`${t.status} IN ('scheduled', 'retry_scheduled')`),
    // The cron's look for callbacks whose call went silent: only those in play.
    index("callbacks_in_play_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} IN ('dialing', 'connected')`),
    index("callbacks_list_idx").on(t.workspaceId, t.mode, t.id),
    // By lead: the cascade when a lead goes, and GET /v1/callbacks?lead_id= (and ?phone=, through
    // the lead) in the list's order. Workspace and mode after the lead, so another workspace's
    // lead id reads nothing.
    index("callbacks_lead_idx").on(t.leadId, t.workspaceId, t.mode, t.id),
    index("callbacks_status_idx").on(t.workspaceId, t.mode, t.status, t.id),
    // References that a domain's or an agent's deletion clears.
    index("callbacks_domain_idx").on(t.domainId).where(sql`${t.domainId} IS NOT NULL`),
    index("callbacks_agent_idx").on(t.agentId).where(sql`${t.agentId} IS NOT NULL`),
    index("callbacks_fingerprint_idx").on(t.workspaceId, t.mode, t.fingerprint, t.createdAt),
    check("callbacks_max_attempts_range", sql`${t.maxAttempts} BETWEEN 1 AND 5`),
  ],
);
