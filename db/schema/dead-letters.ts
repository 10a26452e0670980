import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";

// What a dead-letter queue consumer received: every message, kept, never dropped. Not owned by a
// workspace, since a message that could not be parsed may not name one; when it does, the ids
// are kept for search.
export const deadLetters = pgTable(
  "dead_letters",
  {
    id: text("id").primaryKey(), // dlq_…
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    attempts: integer("attempts").notNull(),
    body: jsonb("body").$type<unknown>(),
    workspaceId: text("workspace_id"),
    eventId: text("event_id"),
    reason: text("reason"), // why it was parked, when the consumer knew
    createdAt: createdAt(),
  },
  (t) => [
    index("dead_letters_queue_idx").on(t.queue, t.createdAt),
    // A message redelivered to the recorder is recorded once.
    uniqueIndex("dead_letters_message_idx").on(t.queue, t.messageId),
  ],
);
