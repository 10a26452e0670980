import { z } from "zod";
import { Mode } from "./account.ts";
import { idCursor, listQuery, page, Time, TimeZone, wholeNumber } from "./common.ts";
import { isKnownCountry } from "./phone.ts";

// Domains on the management API (/v1/domains): a site's calling settings. Every CHECK on the
// domains table (db/schema/domains.ts) has its rule here, so a value the database would refuse
// is a 422 naming its field. A PATCH that gives one side of a pair (calling hours, the voicemail
// policy and its message) is checked against the stored other side by the database; its
// refusal is mapped back to the field by `domainChecks`.

const clockPattern = /^([01]\d|2[0-3]):[0-5]\d$/;
const endPattern = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const clock = z.string().regex(clockPattern, "must be HH:MM, 00:00 to 23:59");
const endClock = z.string().regex(endPattern, "must be HH:MM, 00:01 to 24:00");

/** An opening range within one day: ["09:00", "17:00"]; 24:00 may end it. */
export const TimeRange = z
  .tuple([clock, endClock])
  // Compared only once both are HH:MM: a malformed side has its own issue.
  .refine(([start, end]) => !(clockPattern.test(start) && endPattern.test(end)) || start < end, "must run forward within one day: the start before the end")
  .describe('["HH:MM", "HH:MM"], start before end; "24:00" may end a day');

export const weekdays = ["1", "2", "3", "4", "5", "6", "7"] as const;

/** Weekly hours: ISO weekday (1 = Monday … 7 = Sunday) to its ranges; a day left out is closed. */
export const BusinessHours = z
  .partialRecord(z.enum(weekdays), z.array(TimeRange).max(8))
  .describe('ISO weekday ("1" = Monday … "7" = Sunday) to up to 8 ["HH:MM", "HH:MM"] ranges; a day left out is closed')
  .meta({ id: "BusinessHours" });

const holiday = z.iso.date("must be a real date, YYYY-MM-DD").describe("YYYY-MM-DD in the domain's zone, closed all day");

const Holidays = z
  .array(holiday)
  .max(400)
  .refine((days) => new Set(days).size === days.length, "lists a date twice")
  .describe("Dates (YYYY-MM-DD, the domain's zone) closed all day; at most 400");

const Country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "must be a two-letter country code, e.g. US")
  .transform((code) => code.toUpperCase())
  .refine(isKnownCountry, "is not a country whose phone numbers Ringback can read")
  .describe("ISO 3166-1 alpha-2 used to read national numbers (without a +); stored upper-case");

const VoicemailMessage = z
  .string()
  .max(1000)
  .refine((text) => text.trim().length > 0, "must not be blank")
  .describe("Spoken after the beep when machine_answer is voicemail; 1 to 1,000 characters");

const MachineAnswer = z
  .enum(["retry", "voicemail"])
  .describe("When the lead's voicemail answers: retry (the attempt is missed and retried) or voicemail (voicemail_message is left)");

export const maxRetryIntervalSeconds = 7 * 24 * 3600;

// Each setting, as create and update take it. Defaults are the database's.
const settings = {
  timezone: TimeZone,
  default_country: Country.nullable(),
  business_hours: BusinessHours,
  holidays: Holidays,
  auto_callback: z.boolean().describe("Intake schedules a callback by itself"),
  calling_hours_start: clock.describe("HH:MM in the lead's zone: the domain's own calling hours start (only ever narrow the law's)"),
  calling_hours_end: endClock.describe("HH:MM in the lead's zone, after calling_hours_start; 24:00 is midnight"),
  daily_attempt_cap: wholeNumber(1, 100).describe("Calls one lead may get in 24 hours, 1 to 100"),
  record_calls: z.boolean(),
  agent_accept: z.boolean().describe("The agent hears who the lead is and presses 1 to take the call"),
  machine_answer: MachineAnswer,
  voicemail_message: VoicemailMessage.nullable(),
  retry_after_voicemail: z.boolean().describe("After leaving a voicemail: retry (true) or end the callback"),
  release_spacing_seconds: wholeNumber(0, 3600).describe("Held callbacks are released this many seconds apart per agent, 0 to 3600"),
  simultaneous_ring: wholeNumber(1, 10).describe("Agents rung at once, 1 to 10"),
  require_consent: z.boolean().describe("Intake without a consent record is refused"),
  retry_max_attempts: wholeNumber(1, 5).describe("Calls in all per callback, the first included: 1 to 5"),
  retry_intervals_seconds: z
    .array(wholeNumber(1, maxRetryIntervalSeconds, "must be a whole number of seconds"))
    .min(1)
    .max(4)
    .describe("Seconds before each retry, 1 to 604800 each, 1 to 4 of them; a retry beyond the list waits as long as the last"),
};

export const domainDefaults = {
  timezone: "UTC",
  default_country: null,
  business_hours: { "1": [["09:00", "17:00"]], "2": [["09:00", "17:00"]], "3": [["09:00", "17:00"]], "4": [["09:00", "17:00"]], "5": [["09:00", "17:00"]] },
  holidays: [],
  auto_callback: true,
  calling_hours_start: "08:00",
  calling_hours_end: "21:00",
  daily_attempt_cap: 3,
  record_calls: false,
  agent_accept: true,
  machine_answer: "retry",
  voicemail_message: null,
  retry_after_voicemail: true,
  release_spacing_seconds: 60,
  simultaneous_ring: 1,
  require_consent: false,
  retry_max_attempts: 5,
  retry_intervals_seconds: [120, 600, 1800, 7200],
} as const satisfies { [K in keyof typeof settings]: z.input<(typeof settings)[K]> };

const name = z.string().trim().min(1).max(200).describe("For people: the site, e.g. shop.example");

type Pairs = { calling_hours_start?: unknown; calling_hours_end?: unknown; machine_answer?: unknown; voicemail_message?: unknown };
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The checks across fields, on what a request gives (and, for a create, the defaults of what it
 * leaves out). `when`: run even when other fields are invalid, so every issue is reported at once.
 */
function crossChecks<T extends z.ZodType>(schema: T, fill: (v: Pairs) => Pairs) {
  return schema
    .refine(
      (value) => {
        const v = fill(value as Pairs);
        const { calling_hours_start: start, calling_hours_end: end } = v;
        // Compared only once both are HH:MM: a malformed side has its own issue.
        return !(typeof start === "string" && typeof end === "string" && clockPattern.test(start) && endPattern.test(end) && start >= end);
      },
      { path: ["calling_hours_end"], message: "must be after calling_hours_start", when: ({ value }) => isObject(value) },
    )
    .refine(
      (value) => {
        const v = fill(value as Pairs);
        return !(v.machine_answer === "voicemail" && (v.voicemail_message === null || v.voicemail_message === undefined));
      },
      { path: ["voicemail_message"], message: "is required when machine_answer is voicemail", when: ({ value }) => isObject(value) },
    );
}

export const CreateDomain = crossChecks(
  z
    .strictObject({ name, ...settings })
    .partial()
    .required({ name: true }),
  (v) => ({
    calling_hours_start: v.calling_hours_start ?? domainDefaults.calling_hours_start,
    calling_hours_end: v.calling_hours_end ?? domainDefaults.calling_hours_end,
    machine_answer: v.machine_answer ?? domainDefaults.machine_answer,
    voicemail_message: v.voicemail_message,
  }),
).meta({ id: "CreateDomain" });

export const UpdateDomain = crossChecks(
  z.strictObject({ name, ...settings }).partial(),
  // A side the PATCH leaves out is the stored one, which the database checks (domainChecks).
  (v) => ({ ...v, voicemail_message: "voicemail_message" in v ? v.voicemail_message : "(stored)" }),
)
  .refine((v) => Object.keys(v).length > 0, "give at least one field to change")
  .meta({ id: "UpdateDomain" });

export type CreateDomain = z.output<typeof CreateDomain>;
export type UpdateDomain = z.output<typeof UpdateDomain>;

export const Domain = z
  .strictObject({
    id: z.string().describe("dom_…; also CallMeBack's domain_id"),
    name: z.string(),
    widget_key: z.string().describe("Brightcall's widget_key: public, generated, read-only"),
    ...settings,
    mode: Mode,
    created_at: Time,
    updated_at: Time,
  })
  .meta({ id: "Domain" });

export type Domain = z.input<typeof Domain>;

export const DomainList = z.object(page(Domain)).meta({ id: "DomainList" });

export const DomainListQuery = listQuery(idCursor("domain"), {});

/**
 * The database's CHECKs on domains, each as the field and words a 422 gives, for the refusals
 * only the stored row can show (one side of a pair changed by a PATCH).
 */
export const domainChecks: Record<string, { path: string; message: string }> = {
  domains_calling_hours: { path: "calling_hours_end", message: "must be after calling_hours_start (the stored one, where not given)" },
  domains_voicemail_message: { path: "voicemail_message", message: "is required when machine_answer is voicemail (the stored policy, where not given)" },
  domains_retry_max_attempts_range: { path: "retry_max_attempts", message: "must be 1 to 5" },
  domains_daily_attempt_cap_positive: { path: "daily_attempt_cap", message: "must be at least 1" },
  domains_default_country_format: { path: "default_country", message: "must be a two-letter country code" },
  domains_simultaneous_ring: { path: "simultaneous_ring", message: "must be 1 to 10" },
  domains_release_spacing: { path: "release_spacing_seconds", message: "must be 0 to 3600" },
  domains_machine_answer: { path: "machine_answer", message: "must be retry or voicemail" },
};
