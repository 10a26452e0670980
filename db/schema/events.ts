import { sql } from "drizzle-orm";
import { index, integer, jsonb, text } from "drizzle-orm/pg-core";
import { at, createdAt } from "./columns.ts";
import { ownedTable } from "./owned.ts";

// The outbox: each row commits with the change it describes, then goes to the webhooks queue. An
// event is done only when it has been fanned out into its delivery rows (fanned_out_at); until
// then the sweeper sends it again, however often the queue loses or dead-letters it.
export const events = ownedTable(
  "events",
  {
    type: text("type").notNull(), // e.g. "form_response.created"
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    // When the event was last handed to the queue, and how many times it has been: each send is
    // a lease, after which an event not yet fanned out is sent again (2 min, doubling to 1 h).
    enqueuedAt: at("enqueued_at"),
    sends: integer("sends").notNull().default(0),
    // A sweeper's claim: it sends only rows it claimed, and a claim older than two minutes (a
    // sweeper that died before sending) may be taken again.
    claimedAt: at("claimed_at"),
    // Set by the consumer in the same transaction as the event's delivery rows.
    fannedOutAt: at("fanned_out_at"),
  },
  (t) => [
    index("events_list_idx").on(t.workspaceId, t.mode, t.id),
    index("events_type_idx").on(t.workspaceId, t.mode, t.type, t.id),
    // The sweeper's: events not fanned out, by send count and then when they were last sent (or
    // written, if never), so each wait that is over is one range (db/queries/events.ts).
    index("events_unsent_idx").on(t.sends, t.enqueuedAt, t.createdAt).where(sql`${t.fannedOutAt} IS NULL`),
  ],
);
