import { check, integer, pgEnum, pgTable, text } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { createdAt, updatedAt } from "./columns.ts";

export const plan = pgEnum("plan", ["free", "pro", "enterprise"]);

export const workspaces = pgTable(
  "workspaces",
  {
    id: text("id").primaryKey(), // ws_…
    name: text("name").notNull(),
    plan: plan("plan").notNull().default("free"),
    // Overrides of the plan's limits; null means "the plan's default".
    requestsPerHour: integer("requests_per_hour"),
    callbacksPerPhonePerHour: integer("callbacks_per_phone_per_hour"),
    // The number live calls come from (Twilio's From); null means the deployment's
    // TWILIO_CALLER_ID.
    callerId: text("caller_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check("workspaces_requests_per_hour_positive", sql`${t.requestsPerHour} IS NULL OR ${t.requestsPerHour} > 0`),
    check(
      "workspaces_callbacks_per_phone_positive",
      sql`${t.callbacksPerPhonePerHour} IS NULL OR ${t.callbacksPerPhonePerHour} > 0`,
    ),
  ],
);
