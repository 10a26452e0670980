import { check, integer, pgEnum, pgTable, text } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { callingHoursCheck, createdAt, updatedAt } from "./columns.ts";

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
    // The business's home zone: the lead's zone for a callback without a domain when neither the
    // lead nor its number says where the lead is. Null means UTC.
    timezone: text("timezone"),
    // The workspace's own calling hours in the lead's zone, beside the law's: they can only
    // narrow when a lead may be called. Null means none of its own.
    callingHoursStart: text("calling_hours_start"),
    callingHoursEnd: text("calling_hours_end"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check("workspaces_calling_hours", callingHoursCheck(t.callingHoursStart, t.callingHoursEnd)),
    check("workspaces_requests_per_hour_positive", sql`${t.requestsPerHour} IS NULL OR ${t.requestsPerHour} > 0`),
    check(
      "workspaces_callbacks_per_phone_positive",
      sql`${t.callbacksPerPhonePerHour} IS NULL OR ${t.callbacksPerPhonePerHour} > 0`,
    ),
  ],
);
