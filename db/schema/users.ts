import { index, pgEnum, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { at, createdAt, mode, parentRef, updatedAt } from "./columns.ts";
import { workspaces } from "./workspaces.ts";

// The people who sign in to the console. A user is one email and password; what they may see
// and do is a membership of a workspace with a role. API keys never act as a user, and a
// session never carries a key's scopes: the two ways in stay apart.

export const role = pgEnum("role", ["owner", "admin", "viewer"]);

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(), // usr_…
    // Lower-cased on the way in, so one person cannot hold two accounts by case.
    email: text("email").notNull(),
    name: text("name"),
    // "pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>" (functions/console/password.ts).
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_email_idx").on(sql`lower(${t.email})`)],
);

export const memberships = pgTable(
  "memberships",
  {
    userId: parentRef("user_id", () => users.id),
    workspaceId: parentRef("workspace_id", () => workspaces.id),
    role: role("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.workspaceId] }), index("memberships_workspace_idx").on(t.workspaceId)],
);

// A signed-in browser. The cookie holds a random token; only its sha256 is stored, so a read of
// this table cannot be replayed as a login. Revoking (signing out, or an owner removing a member)
// ends it at the next request.
export const sessions = pgTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: parentRef("user_id", () => users.id),
    workspaceId: parentRef("workspace_id", () => workspaces.id),
    // The console shows one mode at a time, as a key does; the operator switches it.
    mode: mode("mode").notNull().default("test"),
    createdAt: createdAt(),
    lastSeenAt: at("last_seen_at").notNull().defaultNow(),
    expiresAt: at("expires_at").notNull(),
    revokedAt: at("revoked_at"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_workspace_idx").on(t.workspaceId)],
);
