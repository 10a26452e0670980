import { sql } from "drizzle-orm";
import { type AnyPgColumn, pgEnum, text, timestamp } from "drizzle-orm/pg-core";

// Every row but the workspace itself belongs to one workspace and one mode. Test keys see only
// `test` rows and live keys only `live` rows; queries always filter on both.
export const mode = pgEnum("mode", ["live", "test"]);

export const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** A row that cannot outlive its parent: the reference is required, and deleting the parent deletes the row. */
export const parentRef = <TName extends string>(name: TName, parent: () => AnyPgColumn) =>
  text(name).notNull().references(parent, { onDelete: "cascade" });

/** A link that may be missing, and that the deletion of its target clears rather than following. */
export const optionalRef = <TName extends string>(name: TName, target: () => AnyPgColumn) =>
  text(name).references(target, { onDelete: "set null" });

/**
 * A calling-hours pair in HH:MM that runs forward within a day (24:00 may end it), or both null:
 * a malformed pair would make every decision about the row fail, so the database refuses it.
 */
export const callingHoursCheck = (start: AnyPgColumn, end: AnyPgColumn) =>
  sql`(${start} IS NULL AND ${end} IS NULL) OR (${start} ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND ${end} ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' AND ${start} < ${end})`;
