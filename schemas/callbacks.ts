import { z } from "zod";
import { toE164 } from "./phone.ts";
import { Mode } from "./account.ts";
import { instantOf, InternationalPhone, OffsetTime, idCursor, listQuery, page, PhoneFilter, Time, TimeZone, wholeNumber } from "./common.ts";
import { ConsentInput, Hold } from "./compliance.ts";
import { Call } from "./event-payloads.ts";

// Callbacks on the native API (seed 004, LimeCall's POST /v1/callbacks). Where the seed is
// silent, the choice is written on the field it concerns.

export const pastGraceMinutes = 5;
export const maxDaysAhead = 365;
export const maxIntervalSeconds = 7 * 24 * 3600;

export const CallbackStatus = z
  .enum(["scheduled", "dialing", "connected", "completed", "retry_scheduled", "exhausted", "canceled", "blocked"])
  .meta({ id: "CallbackStatus" });

export const cancelableStatuses = ["scheduled", "retry_scheduled", "dialing", "connected"] as const;

export const Retry = z
  .strictObject({
    max_attempts: wholeNumber(1, 5)
      .optional()
      .describe("Calls in all, the first included (1 to 5): 5 is the first call and up to 4 retries. Default: the domain's, else 5"),
    intervals: z
      .array(wholeNumber(1, maxIntervalSeconds, "must be a whole number of seconds"))
      .max(4)
      .optional()
      .describe(
        "Seconds to wait before each retry after an unanswered call: intervals[0] before the 2nd call, and so on; " +
          "each 1 to 604800 (7 days), at most max_attempts - 1 of them. A retry beyond the list waits as long as " +
          "the last entry. Absent or empty: the domain's, else 120, 600, 1800, 7200",
      ),
  })
  .refine(
    (retry) => {
      const { max_attempts: max, intervals } = retry as { max_attempts?: unknown; intervals?: unknown };
      return !(typeof max === "number" && Array.isArray(intervals) && intervals.length > max - 1);
    },
    // `when`: checked even when other fields are invalid, so that every issue is reported at once.
    { path: ["intervals"], message: "has more entries than max_attempts - 1", when: ({ value }) => isObject(value) },
  )
  .meta({ id: "CallbackRetry" });

const scheduledAt = OffsetTime.refine((v) => !(instantOf(v) < Date.now() - pastGraceMinutes * 60_000), {
  message: `is more than ${pastGraceMinutes} minutes in the past`,
})
  .refine((v) => !(instantOf(v) > Date.now() + maxDaysAhead * 86_400_000), { message: `is more than ${maxDaysAhead} days ahead` })
  .describe(
    "When to call: ISO 8601 with seconds and an offset or Z (YYYY-MM-DDTHH:MM:SSZ, YYYY-MM-DDTHH:MM:SS-05:00); " +
      "a time without an offset is refused. Up to 5 minutes in the past is taken as now; earlier is refused, " +
      "as is more than 365 days ahead. Absent: now. Calls still wait for business and calling hours",
  );

export const CreateCallback = z
  .strictObject({
    phone: z
      .string()
      .min(1)
      .max(40)
      .refine((v) => !v.trim().startsWith("+") || toE164(v) !== null, "is not a valid phone number; use international format, e.g. +14155550100")
      .describe("The lead's number: international (+14155550100), or national when the domain has a default country"),
    name: z.string().min(1).max(200).nullish().describe("The lead's name; null or absent keeps the lead's current one"),
    email: z.email().max(320).nullish().describe("The lead's email; null or absent keeps the lead's current one"),
    agent_id: z.string().min(1).max(100).optional().describe("agt_… of this workspace (else 404). Default: X-Agent-ID's agent, or the key's own"),
    agent_phone: InternationalPhone.optional().describe("A one-off agent number instead of agent_id (not both); international format"),
    domain_id: z.string().min(1).max(100).optional().describe("dom_… of this workspace (else 404): its hours, country and retry settings apply"),
    scheduled_at: scheduledAt.optional(),
    timezone: TimeZone.optional().describe(
      "The lead's IANA time zone, for calling hours in the lead's local time; kept on the lead too. " +
        "It does not change how scheduled_at is read (that carries its own offset). Default: the lead's, else the domain's",
    ),
    metadata: z.record(z.string(), z.unknown()).optional().describe("Your own data, returned as given"),
    retry: Retry.optional(),
    consent: ConsentInput.optional(),
  })
  .refine(
    (body) => {
      const { agent_id, agent_phone } = body as { agent_id?: unknown; agent_phone?: unknown };
      return agent_id === undefined || agent_phone === undefined;
    },
    { path: ["agent_phone"], message: "cannot be given with agent_id", when: ({ value }) => isObject(value) },
  )
  .meta({ id: "CreateCallback" });

// Cross-field checks run even when other fields are invalid (so every issue is reported), but
// never on a body that is not an object at all (`null`, an array), which has no fields to compare.
function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// The callback, exactly as db/queries/resources.ts callbackJson builds it.
export const Callback = z
  .strictObject({
    id: z.string().describe("cb_…"),
    status: CallbackStatus,
    lead_id: z.string(),
    phone: z.string().describe("The lead's phone, E.164"),
    name: z.string().nullable().describe("The lead's name"),
    email: z.string().nullable().describe("The lead's email"),
    domain_id: z.string().nullable(),
    agent_id: z.string().nullable(),
    agent_override: z
      .strictObject({ name: z.string().nullable(), phone: z.string() })
      .nullable()
      .describe("The one-off agent number given as agent_phone"),
    source: z.enum(["form_response", "make_call", "add_call_api", "api"]).describe("Which API asked for it"),
    source_id: z.string().nullable(),
    scheduled_at: Time.describe("When the first call may be made, UTC"),
    next_attempt_at: Time.nullable().describe(
      "When the dialler next picks it up: the first lawful moment at or after scheduled_at (or the retry's time). " +
        "Null once the callback has ended",
    ),
    hold: Hold.nullable().describe("Why next_attempt_at is later than asked; null when it is not"),
    timezone: z.string().nullable().describe("The lead's zone as given with the request, if any"),
    attempt_count: z.number().int().min(0),
    retry: z.strictObject({ max_attempts: z.number().int().min(1).max(5), intervals: z.array(z.number().int()) }),
    metadata: z.record(z.string(), z.unknown()),
    ended_reason: z.string().nullable().describe("Why it ended, e.g. canceled_by_api"),
    mode: Mode,
    created_at: Time,
    updated_at: Time,
    completed_at: Time.nullable(),
    canceled_at: Time.nullable(),
  })
  .meta({ id: "Callback" });

export type Callback = z.infer<typeof Callback>;

export const CallbackList = z.object(page(Callback)).meta({ id: "CallbackList" });

export const CallbackListQuery = listQuery(idCursor("callback"), {
  status: CallbackStatus.optional(),
  lead_id: z.string().max(100).optional(),
  phone: PhoneFilter.optional(),
  created_after: OffsetTime.optional().describe("Only callbacks created strictly after this time"),
  created_before: OffsetTime.optional().describe("Only callbacks created strictly before this time"),
});

/** One leg of one attempt, as the call.* events describe it, with when each step happened. */
export const CallAttempt = Call.omit({ at: true })
  .extend({
    error: z.string().nullable().describe("Why the provider refused the call, if it did"),
    created_at: Time.describe("When the leg was placed"),
    answered_at: Time.nullable().describe("When the agent answered"),
    accepted_at: Time.nullable().describe("When the agent pressed 1 to take the call"),
    ended_at: Time.nullable(),
  })
  .meta({ id: "CallAttempt" });

export const CallAttemptList = z
  .strictObject({ callback_id: z.string(), data: z.array(CallAttempt).describe("Every leg of every attempt, oldest first") })
  .meta({ id: "CallAttemptList" });
