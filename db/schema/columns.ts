import { sql } from "drizzle-orm";
import { type AnyPgColumn, pgEnum, timestamp } from "drizzle-orm/pg-core";

// Every row but the workspace itself belongs to one workspace and one mode. Test keys see only
// `test` rows and live keys only `live` rows; queries always filter on both.
export const mode = pgEnum("mode", ["live", "test"]);

export const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * A calling-hours pair in HH:MM that runs forward within a day (24:00 may end it), or both null:
 * a malformed pair would make every decision about the row fail, so the database refuses it.
 */
export const callingHoursCheck = (start: AnyPgColumn, end: AnyPgColumn) =>
  sql`(${start} IS NULL AND ${end} IS NULL) OR (${start} ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND ${end} ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' AND ${start} < ${end})`;
