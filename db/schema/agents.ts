import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, text, timestamp } from "drizzle-orm/pg-core";
import type { BusinessHours } from "./domains.ts";
import { createdAt, updatedAt } from "./columns.ts";
import { ownedTable } from "./owned.ts";

export const agents = ownedTable(
  "agents",
  {
    name: text("name").notNull(),
    phone: text("phone").notNull(), // E.164
    department: text("department"),
    active: boolean("active").notNull().default(true),
    // When an active agent may be rung: switched on (available), and inside their weekly
    // schedule (the business-hours shape) in their own zone, else the workspace's; no schedule:
    // any time. Round robin rings only agents available now, and not already on a call.
    available: boolean("available").notNull().default(true),
    timezone: text("timezone"),
    schedule: jsonb("schedule").$type<BusinessHours>(),
    // Seed 002: callbacks to one phone number per hour through this agent; null means the
    // workspace's limit.
    callbacksPerPhonePerHour: integer("callbacks_per_phone_per_hour"),
    // Round-robin routing rings the active agent dialled longest ago.
    lastDialedAt: timestamp("last_dialed_at", { withTimezone: true, mode: "date" }),
    // Seed 002's post-call webhook: one URL and secret per agent. The secret signs outgoing
    // requests, so it cannot be hashed like an API key: it is sealed under SECRETS_KEYS.
    webhookUrl: text("webhook_url"),
    webhookSecret: text("webhook_secret"),
    // Which of seed 002's verifiers the post-call body is written for. Its Node snippet signs
    // JSON.stringify(req.body) (compact JSON); its Python one json.dumps(request.json) (spaces
    // after separators, non-ASCII escaped). One body cannot satisfy both.
    postCallJson: text("post_call_json").$type<"compact" | "python">().notNull().default("compact"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("agents_workspace_idx").on(t.workspaceId, t.mode, t.active),
    // GET /v1/agents, newest first. Its filters (active, available, department) are read from the
    // workspace's own agents, a handful, rather than indexed each.
    index("agents_list_idx").on(t.workspaceId, t.mode, t.id),
    check("agents_post_call_json", sql`${t.postCallJson} IN ('compact', 'python')`),
  ],
);
