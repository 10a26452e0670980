import { sql } from "drizzle-orm";
import { check, index, jsonb, text } from "drizzle-orm/pg-core";
import { at, createdAt, parentRef } from "./columns.ts";
import { domains } from "./domains.ts";
import { ownedTable } from "./owned.ts";

// Signed links (/l/{token}): a link to a domain's intake, with parameters it fixes. The token
// itself is not stored: it is an HMAC the Worker can make again from this row and the keyring
// (functions/lib/link-token.ts); the row is what lists a link and revokes it.
export const links = ownedTable(
  "links",
  {
    domainId: parentRef("domain_id", () => domains.id),
    // Form fields the link sets, which win over what a form submits (a phone in an emailed
    // "call me back" button).
    params: jsonb("params").$type<Record<string, string>>().notNull(),
    thankYouUrl: text("thank_you_url"),
    // The keyring key (SECRETS_KEYS id) whose derived key signed the token: a link works while
    // that key stays in the keyring.
    keyId: text("key_id").notNull(),
    expiresAt: at("expires_at").notNull(),
    revokedAt: at("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("links_workspace_idx").on(t.workspaceId, t.mode, t.id),
    index("links_domain_idx").on(t.domainId),
    check("links_params_object", sql`jsonb_typeof(${t.params}) = 'object'`),
  ],
);
