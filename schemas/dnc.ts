import { z } from "zod";
import { isKnownCountry, toE164 } from "./phone.ts";
import { listQuery, page, PhoneFilter, Time } from "./common.ts";

// The do-not-call list on the native API: numbers a workspace must never dial, one entry per
// workspace, mode and E.164 phone. Where nothing outside decides, the choice is written on the
// field it concerns.

const twoLetters = /^[A-Za-z]{2}$/;
export const phoneMessage = "is not a phone number: use international form (+14155550100), or national form with country";

export const DncEntry = z
  .strictObject({
    phone: z.string().describe("E.164; the entry's identity within the workspace and mode"),
    reason: z.string().nullable().describe("Why the number is on the list, as given when it was added"),
    created_at: Time,
  })
  .meta({ id: "DncEntry" });

export type DncEntry = z.infer<typeof DncEntry>;

/** The phone an add request names, in E.164; null if it names none. */
export const dncPhoneOf = (body: { phone: string; country?: string }) => toE164(body.phone, body.country);

export const AddDncEntry = z
  .strictObject({
    phone: z
      .string()
      .min(1)
      .max(40)
      .describe("International form (+14155550100), or national form when country is given; stored as E.164"),
    country: z
      .string()
      .regex(twoLetters, "must be a two-letter country code")
      .refine((value) => !twoLetters.test(value) || isKnownCountry(value), "is not a known country code")
      .optional()
      .describe("ISO 3166-1 alpha-2 (UK means GB) for reading a national phone. Not stored: the entry is the E.164 number"),
    reason: z
      .string()
      .min(1)
      .max(500)
      .nullish()
      .describe("Why, e.g. 'asked not to be called'. Kept from the first add: adding the number again does not change it"),
  })
  .refine((body) => dncPhoneOf(body) !== null, {
    path: ["phone"],
    message: phoneMessage,
    // Whenever the body is an object whose phone and country are themselves well-formed, so that
    // every issue is reported at once.
    when: ({ value, issues }) =>
      typeof value === "object" && value !== null && !Array.isArray(value) && !issues.some((issue) => issue.path?.[0] === "phone" || issue.path?.[0] === "country"),
  })
  .meta({ id: "AddDncEntry" });

/**
 * The phone in DELETE /v1/dnc/{phone}: E.164 with its + percent-encoded (%2B14155550100), written
 * as is, or left out (14155550100). Digits only: the path names a stored number, not a form input.
 */
export const DncPhoneParam = z.strictObject({
  phone: z
    .string()
    .regex(/^\+?\d{1,20}$/, "must be the number in E.164, with or without its +: %2B14155550100 or 14155550100")
    .describe("E.164 with the + encoded as %2B, or without the +"),
});

/** The E.164 form of a DncPhoneParam; null if no stored entry could have it. */
export const phoneOfParam = (param: string) => toE164(param.startsWith("+") ? param : `+${param}`);

// Pages walk the list in phone order (E.164 as text), its primary key, so each page is an index
// range however long the list. The cursor is opaque: base64url of the page's last phone.

const cursorPhone = /^\+\d{1,20}$/;

/** The phone a cursor points after, or null if it is not a cursor of this list. */
export function decodeDncCursor(cursor: string): string | null {
  try {
    const phone = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    return cursorPhone.test(phone) ? phone : null;
  } catch {
    return null;
  }
}

export const DncListQuery = listQuery(decodeDncCursor, {
  phone: PhoneFilter.optional().describe("International format (encode the + as %2B); matched as E.164"),
});

export const DncList = z.object(page(DncEntry)).meta({ id: "DncList" });

export type DncList = z.infer<typeof DncList>;
