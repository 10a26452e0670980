import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { at, createdAt } from "./columns.ts";
import { owned } from "./owned.ts";

// A POST's first response, replayed byte for byte for 24 h to a retry with the same
// Idempotency-Key. A row without a response is a request still in flight, or (written) one
// carried out whose response is on its way or was lost.
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    ...owned(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(), // sha256 of method, path and body
    responseStatus: integer("response_status"),
    responseHeaders: jsonb("response_headers").$type<Record<string, string>>(),
    responseBody: text("response_body"),
    // Claimed by the write it guards, in its own transaction (intake): the request has been
    // carried out, whether or not its response was kept, so the claim is never taken over.
    written: boolean("written").notNull().default(false),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.mode, t.key] }), index("idempotency_keys_expiry_idx").on(t.expiresAt)],
);
