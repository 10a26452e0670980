import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, text, uniqueIndex } from "drizzle-orm/pg-core";
import { callingHoursCheck, createdAt, updatedAt } from "./columns.ts";
import { ownedTable } from "./owned.ts";

// Weekly opening hours in the domain's time zone: ISO weekday (1 = Monday) → list of
// ["HH:MM", "HH:MM"] ranges. A day that is missing is closed.
export type BusinessHours = Partial<Record<"1" | "2" | "3" | "4" | "5" | "6" | "7", [string, string][]>>;

export const defaultBusinessHours: BusinessHours = {
  "1": [["09:00", "17:00"]],
  "2": [["09:00", "17:00"]],
  "3": [["09:00", "17:00"]],
  "4": [["09:00", "17:00"]],
  "5": [["09:00", "17:00"]],
};

// The id doubles as CallMeBack's `domain_id`.
export const domains = ownedTable(
  "domains",
  {
    name: text("name").notNull(),
    // Brightcall's `widget_key`: public, it sits in web pages and GET links.
    widgetKey: text("widget_key").notNull(),
    timezone: text("timezone").notNull().default("UTC"), // IANA
    defaultCountry: text("default_country"), // ISO 3166-1 alpha-2, for numbers without a +
    businessHours: jsonb("business_hours").$type<BusinessHours>().notNull().default(defaultBusinessHours),
    holidays: text("holidays").array().notNull().default(sql`'{}'::text[]`), // YYYY-MM-DD, local
    autoCallback: boolean("auto_callback").notNull().default(true),
    // The domain's own calling hours in the lead's zone (8 am to 9 pm by default), and how many
    // attempts one lead may get in 24 hours. Both only narrow the rulebook's laws, never widen them.
    callingHoursStart: text("calling_hours_start").notNull().default("08:00"),
    callingHoursEnd: text("calling_hours_end").notNull().default("21:00"),
    dailyAttemptCap: integer("daily_attempt_cap").notNull().default(3),
    recordCalls: boolean("record_calls").notNull().default(false),
    // The agent hears who the lead is and presses 1 to take the call; no press (or their
    // voicemail) rings the next agent. Off: the lead is bridged as soon as the agent answers.
    agentAccept: boolean("agent_accept").notNull().default(true),
    // When the lead's voicemail answers (Twilio's answering-machine detection): "retry" (the
    // attempt is missed and retried in the next lawful window) or "voicemail" (voicemail_message
    // is spoken after the beep; then the callback retries or ends, by retry_after_voicemail).
    machineAnswer: text("machine_answer").$type<"retry" | "voicemail">().notNull().default("retry"),
    voicemailMessage: text("voicemail_message"),
    retryAfterVoicemail: boolean("retry_after_voicemail").notNull().default(true),
    // Callbacks held until the same opening (the morning after a night of leads) are released
    // in the order they were held, this many seconds apart per available agent (0: all at once).
    releaseSpacingSeconds: integer("release_spacing_seconds").notNull().default(60),
    // How many available agents are rung at once (with agent_accept): the first to press 1 takes
    // the call, and the others are hung up. 1: one after another.
    simultaneousRing: integer("simultaneous_ring").notNull().default(1),
    // Intake without a consent record is refused, in the endpoint's own error shape.
    requireConsent: boolean("require_consent").notNull().default(false),
    retryMaxAttempts: integer("retry_max_attempts").notNull().default(5),
    retryIntervalsSeconds: integer("retry_intervals_seconds")
      .array()
      .notNull()
      .default(sql`'{120,600,1800,7200}'::integer[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("domains_widget_key_idx").on(t.widgetKey),
    index("domains_workspace_idx").on(t.workspaceId, t.mode, t.id),
    check("domains_retry_max_attempts_range", sql`${t.retryMaxAttempts} BETWEEN 1 AND 5`),
    check("domains_daily_attempt_cap_positive", sql`${t.dailyAttemptCap} > 0`),
    check("domains_calling_hours", callingHoursCheck(t.callingHoursStart, t.callingHoursEnd)),
    check("domains_default_country_format", sql`${t.defaultCountry} IS NULL OR ${t.defaultCountry} ~ '^[A-Z]{2}$'`),
    check("domains_simultaneous_ring", sql`${t.simultaneousRing} BETWEEN 1 AND 10`),
    check("domains_release_spacing", sql`${t.releaseSpacingSeconds} BETWEEN 0 AND 3600`),
    check("domains_machine_answer", sql`${t.machineAnswer} IN ('retry', 'voicemail')`),
    // A voicemail policy without words to leave would hang up on the machine in silence.
    check(
      "domains_voicemail_message",
      sql`${t.machineAnswer} <> 'voicemail' OR char_length(btrim(coalesce(${t.voicemailMessage}, ''))) BETWEEN 1 AND 1000`,
    ),
  ],
);
