import { z } from "zod";
import { isId, type IdKind } from "./ids.ts";
import { toE164 } from "./phone.ts";

// Pieces every native endpoint shares: times, time zones, phones, whole numbers, and cursor
// pages. A value whose meaning is its normal form parses to it (a phone to E.164, a cursor to
// the id it points at): the document shows what a client sends, the handler gets what it means,
// and the check and the conversion cannot disagree. Zone names are canonicalised by handlers.

/**
 * A transform to what `convert` makes of the value, reporting `message` where it makes
 * nothing (null). The OpenAPI document shows a transform by its input: what a client sends.
 */
export const convertedBy =
  <T>(convert: (value: string) => T | null, message: string) =>
  (value: string, ctx: z.core.$RefinementCtx<string>): T => {
    const converted = convert(value);
    if (converted === null) {
      ctx.issues.push({ code: "custom", message, input: value });
      return z.NEVER;
    }
    return converted;
  };

/** A time as resources carry it: ISO 8601 UTC without fractions. */
export const Time = z.iso.datetime({ precision: 0 }).describe("ISO 8601, UTC, e.g. 2030-01-15T10:30:00Z");

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The canonical spelling of an IANA zone ("america/new_york" → "America/New_York"). */
export const canonicalTimeZone = (value: string) => new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;

export const TimeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, "is not an IANA time zone, e.g. America/New_York")
  .describe("IANA time zone, e.g. America/New_York; stored in its canonical spelling");

const internationalMessage = "is not an international phone number, e.g. +14155550100";

/** A phone in international form, a + and the country code; parsed to E.164. */
export const InternationalPhone = z
  .string()
  .max(40)
  .transform(convertedBy((v) => (v.trim().startsWith("+") ? toE164(v) : null), internationalMessage))
  .describe("International format (+14155550100); stored as E.164");

/** An ISO 8601 time with an offset or Z, as query filters and requests take it. */
export const OffsetTime = z.iso
  .datetime({
    offset: true,
    error: "must be ISO 8601 with seconds and an offset or Z: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS±HH:MM",
  })
  // PostgreSQL's timestamptz refuses year 0 and offsets past ±15:59, which ISO 8601 allows.
  .refine((v) => !v.startsWith("0000") && !/[+-](1[6-9]|2\d):\d\d$/.test(v), "must be in the years 0001 to 9999 with an offset within ±15:59");

/** Milliseconds of a well-formed OffsetTime; NaN for anything else, which later checks let pass. */
export const instantOf = (value: string) => (OffsetTime.safeParse(value).success ? Date.parse(value) : Number.NaN);

/**
 * A whole number. zod's int() stops the parse at a fraction, which would hide the issues of
 * cross-field checks; this reports it and carries on, and still documents an integer.
 */
export const wholeNumber = (min: number, max: number, error = "must be a whole number") =>
  z.number().min(min).max(max).refine(Number.isInteger, error).meta({ type: "integer" });

/**
 * The `{id}` of a resource's path. Any text passes here; what is not an id of the route's kind
 * is then a 404 (the validator has already refused a NUL or a lone surrogate with a 400).
 */
export const IdParam = z.strictObject({ id: z.string() });

// Pages: newest first, by the time-sortable id. The cursor is opaque to clients (base64url of
// the last id on the page), so its form can change without breaking them.

export const encodeCursor = (id: string) => btoa(id).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

/** The id a cursor points at, or null if it is not a cursor of `kind`. */
export function decodeCursor(kind: IdKind, cursor: string): string | null {
  try {
    const id = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    return isId(kind, id) ? id : null;
  } catch {
    return null;
  }
}

export const pageLimit = z.coerce.number().int().min(1).max(100).default(25).describe("1 to 100; 25 if absent");

const cursorMessage = "is not a cursor from this list";

/** A decoder of the ids in a list's cursors. */
export const idCursor = (kind: IdKind) => (cursor: string) => decodeCursor(kind, cursor);

/**
 * limit, and a cursor parsed to where the previous page ended (by `decode`: an id, or the DNC
 * list's phone); a cursor that is not one of the list's is a 422 like any bad parameter.
 */
const pageQuery = (decode: (cursor: string) => string | null) => ({
  limit: pageLimit,
  cursor: z.string().max(200).transform(convertedBy(decode, cursorMessage)).optional().describe("next_cursor of the previous page"),
});

/**
 * A list's query: its page (pageQuery), its filters, and nothing else (an unknown parameter is a
 * 422). The document lists its parameters one by one, as OpenAPI does every query.
 */
export const listQuery = <F extends z.ZodRawShape>(decode: (cursor: string) => string | null, filters: F) =>
  z.strictObject({ ...pageQuery(decode), ...filters });

export const page = <T extends z.ZodType>(item: T) => ({
  data: z.array(item),
  has_more: z.boolean(),
  next_cursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last page"),
});

/**
 * A page from `limit + 1` items: the extra one only says that there is more. The cursor is
 * made from the page's last item by cursorOf (its id, or the DNC list's phone).
 */
export function pageBy<T>(items: T[], limit: number, cursorOf: (item: T) => string): { data: T[]; has_more: boolean; next_cursor: string | null } {
  const data = items.slice(0, limit);
  if (items.length <= limit) return { data, has_more: false, next_cursor: null };
  const last = data.at(-1);
  if (last === undefined) throw new Error(`a page of at most ${limit} items cannot say where the next one starts`);
  return { data, has_more: true, next_cursor: encodeCursor(cursorOf(last)) };
}

/** A filter on a phone; parsed to E.164. */
export const PhoneFilter = z
  .string()
  .max(40)
  .transform(convertedBy((v) => toE164(v), internationalMessage))
  .describe("International format; matched as E.164");
