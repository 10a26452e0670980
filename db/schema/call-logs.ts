import { sql } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { callAttempts } from "./call-attempts.ts";
import { createdAt, optionalRef } from "./columns.ts";
import { owned } from "./owned.ts";

// callvine's call log. Its id is an integer, as the seed's `data.id` is; its times are the
// seed's zone-less "YYYY-MM-DD HH:MM:SS", kept as given.
export const callLogs = pgTable(
  "call_logs",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    ...owned(),
    fromPhone: text("from_phone").notNull(),
    toPhone: text("to_phone").notNull(),
    handledBy: text("handled_by").notNull(),
    department: text("department"),
    startTime: timestamp("start_time", { mode: "string" }).notNull(),
    endTime: timestamp("end_time", { mode: "string" }).notNull(),
    recordingUrl: text("recording_url").notNull(),
    title: text("title").notNull(),
    callAttemptId: optionalRef("call_attempt_id", () => callAttempts.id),
    createdAt: createdAt(),
  },
  (t) => [
    index("call_logs_workspace_idx").on(t.workspaceId, t.mode, t.id),
    // GET /v1/call_logs?phone= compares the digits of either phone (db/queries/call-logs.ts
    // digitsOf, which these expressions must match exactly), ?handled_by= and ?call_attempt_id=.
    index("call_logs_from_digits_idx").on(t.workspaceId, t.mode, sql`regexp_replace(${t.fromPhone}, '[^0-9]', '', 'g')`, t.id),
    index("call_logs_to_digits_idx").on(t.workspaceId, t.mode, sql`regexp_replace(${t.toPhone}, '[^0-9]', '', 'g')`, t.id),
    index("call_logs_handled_by_idx").on(t.workspaceId, t.mode, t.handledBy, t.id),
    // The attempt first: its deletion (with its callback's) clears the reference.
    index("call_logs_attempt_idx").on(t.callAttemptId, t.workspaceId, t.mode, t.id).where(sql`${t.callAttemptId} IS NOT NULL`),
  ],
);
