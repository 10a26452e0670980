import { z } from "zod";
import { Hold } from "./compliance.ts";

// Seed 002 (Calldock): POST /v1/make-call. The request fields and the success body are the
// seed's; the seed shows no error body, so every error of this endpoint is
// {"success": false, "error": {"code", "message"}} with one of the stable codes below.

export const calldockErrorCodes = {
  INVALID_JSON: [400, "the body is not valid JSON"],
  INVALID_REQUEST: [400, "the body is not a JSON object, is nested too deeply, has a forbidden key, a control character or half of a surrogate pair, or the Idempotency-Key is malformed"],
  MISSING_FIELD: [400, "phone is missing (absent, null or blank)"],
  INVALID_PHONE: [400, "phone is not a string, has no country code (leading +), or is not a possible phone number"],
  INVALID_FIELD: [400, "name, email or metadata has the wrong type or value"],
  UNKNOWN_FIELD: [400, "a top-level field other than phone, name, email and metadata"],
  UNAUTHORIZED: [401, "no API key, or an unknown, malformed or revoked one"],
  MISSING_AGENT_ID: [401, "the X-Agent-ID header is missing"],
  FORBIDDEN: [403, "a publishable key, a secret key from a web page, a key without callbacks:write, or a key bound to another agent"],
  AGENT_INACTIVE: [403, "the agent is deactivated"],
  AGENT_NOT_FOUND: [404, "X-Agent-ID names no agent of this key's workspace and mode"],
  METHOD_NOT_ALLOWED: [405, "only POST (Allow: POST)"],
  REQUEST_IN_PROGRESS: [409, "a request with this Idempotency-Key is still running"],
  DUPLICATE_CALL: [409, "an identical call asked for in the last 10 minutes was canceled (or could not be read back), so none was started; Retry-After says when the same request starts one"],
  PAYLOAD_TOO_LARGE: [413, "the body is over 64 KB"],
  UNSUPPORTED_MEDIA_TYPE: [415, "Content-Type is not application/json"],
  IDEMPOTENCY_KEY_REUSED: [422, "this Idempotency-Key was used with another body"],
  RATE_LIMITED: [429, "the workspace's hourly request limit is spent (Retry-After says when)"],
  PHONE_RATE_LIMITED: [429, "too many calls to this phone number this hour (the agent's callbacks_per_phone_per_hour, else the workspace's, else 3)"],
  INTERNAL_ERROR: [500, "an unexpected error; nothing about it is returned"],
  SERVICE_UNAVAILABLE: [503, "the database cannot be reached; nothing was started (Retry-After says when to retry)"],
} as const satisfies Record<string, readonly [number, string]>;

export type CalldockErrorCode = keyof typeof calldockErrorCodes;

/** What the document says under each status: the codes it carries, and what each means. */
export function calldockRefusals(): Record<number, string> {
  const byStatus = new Map<number, string[]>();
  for (const [code, [status, meaning]] of Object.entries(calldockErrorCodes)) {
    byStatus.set(status, [...(byStatus.get(status) ?? []), `${code}: ${meaning}`]);
  }
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, codes.join("; ")]));
}

export const phoneMessages = {
  countryCode: "must include the country code, e.g. +14155550100",
  type: "must be a string in international format, e.g. +14155550100",
} as const;

// null and "" mean "not given", as form tools and Zapier send them.
const blankToUndefined = (value: unknown) => (value === null || (typeof value === "string" && value.trim() === "") ? undefined : value);

export const MakeCallRequest = z
  .object({
    phone: z
      .preprocess(
        blankToUndefined,
        z
          // undefined keeps zod's own message, which marks the field as missing.
          .string({ error: (issue) => (issue.input === undefined ? undefined : phoneMessages.type) })
          .max(40, phoneMessages.type)
          .refine((phone) => phone.trim().startsWith("+"), phoneMessages.countryCode),
      )
      .describe("Phone number with country code (E.164, e.g. +14155550100); national numbers are refused"),
    name: z
      .preprocess(blankToUndefined, z.string({ error: "must be a string" }).max(200, "must be at most 200 characters").optional())
      .describe("Contact name; kept on the lead"),
    email: z
      .preprocess(blankToUndefined, z.email({ error: "must be a valid email address" }).max(320, "must be a valid email address").optional())
      .describe("Contact email; kept on the lead"),
    metadata: z
      .preprocess(blankToUndefined, z.record(z.string(), z.unknown(), { error: "must be a JSON object" }).optional())
      .describe("Custom data for the agent, kept on the callback as given"),
  })
  .strict()
  .describe("Unknown top-level fields are refused (UNKNOWN_FIELD); null and \"\" count as not given.")
  .meta({ id: "CalldockMakeCallRequest" });

export const MakeCallStarted = z
  .object({
    success: z.literal(true),
    data: z.object({
      callId: z.string().describe("The callback's id (cb_…). An identical request within 10 minutes gets the first call's id"),
      status: z
        .enum(["initiated", "scheduled"])
        .describe(
          "initiated: the call starts now. scheduled: it may not ring yet (the lead's calling hours in their own time, " +
            "a cap, a ban): it will ring at scheduledFor, and hold says why. Seed 002 shows only initiated",
        ),
      timestamp: z.iso.datetime().describe("When the call was requested (the first request's time for a repeat), ISO 8601 UTC"),
      scheduledFor: z.iso.datetime().nullable().describe("When the call will ring, ISO 8601 UTC: now for initiated; null if no hour is open yet"),
      hold: Hold.nullable().describe("Why a scheduled call waits; null for initiated"),
    }),
  })
  .meta({ id: "CalldockMakeCallStarted" });

export const CalldockError = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.enum(Object.keys(calldockErrorCodes) as [CalldockErrorCode, ...CalldockErrorCode[]]).describe(
        Object.entries(calldockErrorCodes)
          .map(([code, [status, meaning]]) => `${code} (${status}: ${meaning})`)
          .join("; "),
      ),
      message: z.string(),
      details: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .describe("On 400s about fields: every problem, not just the one the code names"),
    }),
  })
  .meta({ id: "CalldockError" });
