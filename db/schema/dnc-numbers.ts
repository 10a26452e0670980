import { pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";
import { owned } from "./owned.ts";

// Do-not-call list, checked before every dial.
export const dncNumbers = pgTable(
  "dnc_numbers",
  {
    ...owned(),
    phone: text("phone").notNull(), // E.164
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.mode, t.phone] })],
);
