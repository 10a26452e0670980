import { sql } from "drizzle-orm";
import { index, pgEnum, text, uniqueIndex } from "drizzle-orm/pg-core";
import { agents } from "./agents.ts";
import { at, createdAt, optionalRef } from "./columns.ts";
import { ownedTable } from "./owned.ts";

export const keyKind = pgEnum("key_kind", ["secret", "publishable"]);

export const apiKeys = ownedTable(
  "api_keys",
  {
    kind: keyKind("kind").notNull(),
    name: text("name"),
    // sha256 of the whole key, hex. The key itself is shown once and never stored.
    keyHash: text("key_hash").notNull(),
    prefix: text("prefix").notNull(), // e.g. "rb_live_", for display
    last4: text("last4").notNull(),
    scopes: text("scopes").array().notNull().default(sql`'{}'::text[]`),
    // A key bound to an agent (Calldock keys are per agent) acts for that agent only.
    agentId: optionalRef("agent_id", () => agents.id),
    // Publishable keys are used from browsers; requests must come from one of these origins.
    allowedOrigins: text("allowed_origins").array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    lastUsedAt: at("last_used_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_idx").on(t.keyHash),
    // GET /v1/keys, newest first; the workspace first also serves the workspace's deletion.
    index("api_keys_workspace_idx").on(t.workspaceId, t.mode, t.id),
    index("api_keys_agent_idx").on(t.agentId).where(sql`${t.agentId} IS NOT NULL`),
  ],
);
