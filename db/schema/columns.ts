import { pgEnum, timestamp } from "drizzle-orm/pg-core";

// Every row but the workspace itself belongs to one workspace and one mode. Test keys see only
// `test` rows and live keys only `live` rows; queries always filter on both.
export const mode = pgEnum("mode", ["live", "test"]);

export const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
