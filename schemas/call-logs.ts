import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";
import { Mode } from "./account.ts";
import { Time, convertedBy, listQuery, page } from "./common.ts";
import { toE164 } from "./phone.ts";

// callvine's call logs (seed 001) read back on the native API. Their ids are integers, as the
// seed's data.id is, so they page and are looked up by integer rather than by a prefixed id.

/** The largest id a call log can have (the column is a PostgreSQL integer). */
export const maxCallLogId = 2_147_483_647;

/** Whether `value` is written as a call log id could be: 1 to 2147483647, no sign, no leading zero. */
export function isCallLogId(value: string): boolean {
  return /^[1-9]\d{0,9}$/.test(value) && Number(value) <= maxCallLogId;
}

/** A cursor is the last id of a page, as base64url text, like the other lists' cursors. */
export function decodeCallLogCursor(cursor: string): string | null {
  try {
    const id = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    return isCallLogId(id) ? id : null;
  } catch {
    return null;
  }
}

// As db/queries/call-logs.ts callLogJson builds it.
export const CallLog = z
  .strictObject({
    id: z.number().int().positive().describe("The call log's integer id, as POST /webhook.php answered it"),
    from_phone: z.string().describe("As sent: a phone number or identifier, not normalised"),
    to_phone: z.string().describe("As sent"),
    handled_by: z.string(),
    department: z.string().nullable(),
    start_time: z.string().describe("YYYY-MM-DD HH:MM:SS, as sent, without a time zone"),
    end_time: z.string().describe("YYYY-MM-DD HH:MM:SS, as sent, without a time zone"),
    recording_url: z.string(),
    title: z.string(),
    call_attempt_id: z.string().nullable().describe("att_… of the call attempt the log records, where one is linked"),
    mode: Mode,
    created_at: Time,
  })
  .meta({ id: "CallLog" });

export type CallLog = z.infer<typeof CallLog>;

export const CallLogList = z.object(page(CallLog)).meta({ id: "CallLogList" });

const digits = (value: string) => value.replaceAll(/\D/g, "");

/**
 * The digit strings a stored number may have to match `value`: its own digits, those of its
 * E.164 form, and, for an international number, its national number (+1 908-727-0291 finds a
 * log stored as 9087270291, as callvine's examples send them). Null for what is no phone.
 */
export function phoneDigits(value: string): string[] | null {
  const text = value.trim();
  const own = digits(text);
  if (!/^\+?[\d\s().-]+$/.test(text) || own.length < 3 || own.length > 15) return null;
  const found = new Set([own]);
  const e164 = text.startsWith("+") ? toE164(text) : null;
  if (e164) {
    found.add(digits(e164));
    const national = parsePhoneNumberFromString(e164)?.nationalNumber;
    if (national) found.add(national);
  }
  return [...found];
}

export const CallLogListQuery = listQuery(decodeCallLogCursor, {
  phone: z
    .string()
    .max(40)
    .transform(convertedBy(phoneDigits, "is not a phone number: 3 to 15 digits, with an optional + and spaces, dots, dashes or brackets"))
    .optional()
    .describe(
      "Matches from_phone or to_phone, compared by their digits: the filter's own, its E.164 form's and, for an " +
        "international number, its national number's (+19087270291 finds 9087270291 and +1 908-727-0291; " +
        "9087270291, without its country code, finds only numbers stored with those digits)",
    ),
  handled_by: z.string().min(1).max(200).optional().describe("The agent's name, exactly as logged"),
  call_attempt_id: z.string().max(100).optional().describe("att_…"),
});
