import { z } from "zod";

// Seed 001 (callvine.ai): POST /webhook.php and POST /v1/call_logs. Field names, the 201 body
// and the error bodies are the seed's; where it is silent the choice is described on the field.
// The messages below are what the error renderer (functions/intake/callvine-errors.ts) matches
// on to pick the seed's error body, so they live here, next to the checks that raise them.

export const callLogMessages = {
  dateTime: "must be in YYYY-MM-DD HH:MM:SS format",
  url: "must be a valid URL",
  range: "must be after start_time",
} as const;

/** The required fields, in the seed's order; `missing_fields` lists them in this order. */
export const requiredCallLogFields = ["from_phone", "to_phone", "handled_by", "start_time", "end_time", "recording_url"] as const;

const dateTimePattern = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/;

/** "YYYY-MM-DD HH:MM:SS" naming a real time: 2024-02-30 or 24:00:00 are refused. */
export function isCallLogDateTime(value: string): boolean {
  const match = dateTimePattern.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  // Year 0 does not exist in PostgreSQL's calendar (1 BC comes before 1 AD).
  return year >= 1 && days !== undefined && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
}

export function isHttpUrl(value: string): boolean {
  if (value.length > 2048 || value !== value.trim()) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

// Absent, null and blank strings are all "missing", as they are to the PHP original's empty().
const blankToUndefined = (value: unknown) => (value === null || (typeof value === "string" && value.trim() === "") ? undefined : value);
const required = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema);

export const CallLogRequest = z
  .object({
    from_phone: required(z.string().max(100)).describe("Caller's phone number or identifier, stored as given (not normalised)"),
    to_phone: required(z.string().max(100)).describe("Called party's phone number or identifier, stored as given"),
    handled_by: required(z.string().max(200)).describe("Name of the agent who handled the call"),
    start_time: required(z.string().refine(isCallLogDateTime, callLogMessages.dateTime)).describe(
      "YYYY-MM-DD HH:MM:SS, a real calendar time; stored without a time zone, exactly as given",
    ),
    end_time: required(z.string().refine(isCallLogDateTime, callLogMessages.dateTime)).describe(
      "YYYY-MM-DD HH:MM:SS, strictly after start_time",
    ),
    recording_url: required(z.string().refine(isHttpUrl, callLogMessages.url)).describe(
      "An absolute http(s) URL of at most 2048 characters",
    ),
    department: required(z.string().max(200).optional()).describe(
      "Optional; absent, null and \"\" are all stored as null and echoed as \"department\": null",
    ),
  })
  .strict()
  .superRefine((log, ctx) => {
    // Fixed-width timestamps compare as strings.
    if (isCallLogDateTime(log.start_time) && isCallLogDateTime(log.end_time) && log.end_time <= log.start_time) {
      ctx.addIssue({ code: "custom", path: ["end_time"], message: callLogMessages.range });
    }
  })
  .describe(
    "Every required field must be present and non-blank. Checks, in order, with the first failing one answered: " +
      "missing fields (all listed), wrong types or over-long values (all listed), unknown fields (all listed), " +
      "start_time format, end_time format, time range, recording URL.",
  )
  .meta({ id: "CallvineCallLogRequest" });

export const CallLogCreated = z
  .object({
    success: z.literal(true),
    message: z.literal("Call log created successfully"),
    data: z.object({
      id: z.number().int().positive().describe("The call log's integer id"),
      from_phone: z.string(),
      to_phone: z.string(),
      handled_by: z.string(),
      department: z.string().nullable().describe("null when none was sent"),
      start_time: z.string(),
      end_time: z.string(),
      recording_url: z.string(),
      title: z.string().describe('"Call from {from_phone} to {to_phone} (handled by {handled_by})"'),
      created_at: z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/).describe("YYYY-MM-DD HH:MM:SS, in UTC"),
    }),
  })
  .meta({ id: "CallvineCallLogCreated" });

export const CallvineError = z
  .object({
    error: z.string(),
    message: z.string(),
    missing_fields: z.array(z.string()).optional(),
    invalid_fields: z.array(z.string()).optional(),
    unknown_fields: z.array(z.string()).optional(),
    example: z.string().optional(),
    allowed_methods: z.array(z.string()).optional(),
    retry_after: z.number().int().optional().describe("Seconds; also in the Retry-After header"),
  })
  .meta({ id: "CallvineError" });
