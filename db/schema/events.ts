import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { at, createdAt } from "./columns.ts";
import { owned } from "./owned.ts";

// The outbox: each row commits with the change it describes, then goes to the webhooks queue.
export const events = pgTable(
  "events",
  {
    id: text("id").primaryKey(), // evt_…
    ...owned(),
    type: text("type").notNull(), // e.g. "form_response.created"
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    // Set once the event is on the queue; the sweeper re-sends rows still null after 30 s.
    enqueuedAt: at("enqueued_at"),
    // A sweeper's claim: it sends only rows it claimed, and a claim older than two minutes (a
    // sweeper that died before sending) may be taken again.
    claimedAt: at("claimed_at"),
  },
  (t) => [
    index("events_list_idx").on(t.workspaceId, t.mode, t.id),
    index("events_unsent_idx").on(t.createdAt).where(sql`${t.enqueuedAt} IS NULL`),
  ],
);
