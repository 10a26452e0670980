import { parsePhoneNumberFromString, type PhoneNumber } from "libphonenumber-js/max";
import places from "./phone-places.json" with { type: "json" };

// Where a lead may be, from its E.164 number alone: the IANA zones the number's prefix is in, and
// its regions (the country, and for North American numbers the state or province of the area
// code). The data is Google's libphonenumber maps (phone-places.json, made by
// dev/phone-places.ts); the way it is read is libphonenumber's own PhoneNumberToTimeZonesMapper:
//
// - a number of unknown type (not valid) says nothing;
// - a geographic number (fixed line, or fixed-or-mobile, or mobile where mobile numbers are
//   geographic) takes the zones of its longest prefix in the map;
// - any other number (mobile elsewhere, toll-free, personal) takes its country's zones.
//
// A North American number that resolves only to "+1" (toll-free, the 500 range, so the
// sandbox's numbers too) lists all 42 NANP zones, from Guam to Newfoundland, whose 08:00–21:00
// windows share no hour: it says nothing about where the lead is, and is treated so.

export type NumberPlace = {
  /** The zones the number is in; empty when it says nothing about where the lead is. */
  zones: string[];
  /** ISO 3166 codes, broadest first: ["US", "US-FL"]; empty when the country is unknown. */
  regions: string[];
  /** Whether the zones come from the number's own prefix or only from its country. */
  precision: "prefix" | "country" | "none";
};

// libphonenumber's PhoneNumberUtil.GEO_MOBILE_COUNTRIES: calling codes whose mobile numbers are
// geographically assigned (Mexico, Argentina, Brazil, Indonesia, China).
const geoMobileCallingCodes = new Set(["52", "54", "55", "62", "86"]);

// NANP countries that are US territories: federal rules (the TCPA) reach them as US regions.
const usTerritories = new Set(["PR", "GU", "VI", "AS", "MP"]);

const table = places as { zones: string[]; zoneSets: number[][]; prefixes: Record<string, number>; areaCodes: Record<string, string[]> };

export const phonePlacesSource: string = places.source;

export function placeOfNumber(e164: string): NumberPlace {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return { zones: [], regions: [], precision: "none" };
  const type = parsed.getType();
  const geographic = type !== undefined && isGeographic(type, parsed.countryCallingCode);
  const regions = regionsOf(parsed, geographic);
  if (type === undefined) return { zones: [], regions, precision: "none" };

  const match = geographic ? longestPrefix(parsed.number.slice(1)) : null;
  if (match && match.length > parsed.countryCallingCode.length) return { zones: zonesAt(match), regions, precision: "prefix" };
  const country = parsed.countryCallingCode;
  // The whole of North America is no answer at all (see above).
  if (country === "1" || table.prefixes[country] === undefined) return { zones: [], regions, precision: "none" };
  return { zones: zonesAt(country), regions, precision: "country" };
}

function isGeographic(type: NonNullable<ReturnType<PhoneNumber["getType"]>>, callingCode: string): boolean {
  return type === "FIXED_LINE" || type === "FIXED_LINE_OR_MOBILE" || (type === "MOBILE" && geoMobileCallingCodes.has(callingCode));
}

function longestPrefix(digits: string): string | null {
  for (let length = digits.length; length > 0; length--) {
    const prefix = digits.slice(0, length);
    if (table.prefixes[prefix] !== undefined) return prefix;
  }
  return null;
}

/** The zones of a prefix the table has (callers look it up first). */
function zonesAt(prefix: string): string[] {
  const set = table.prefixes[prefix];
  const indexes = set === undefined ? undefined : table.zoneSets[set];
  if (!indexes) throw new Error(`phone places: no zone set for the prefix ${prefix}`);
  return indexes.map((index) => {
    const zone = table.zones[index];
    if (zone === undefined) throw new Error(`phone places: the prefix ${prefix} names zone ${index}, which the table does not have`);
    return zone;
  });
}

function regionsOf(parsed: PhoneNumber, geographic: boolean): string[] {
  const country = parsed.country;
  if (!country) return [];
  if (usTerritories.has(country)) return ["US", `US-${country}`];
  // A state or province only for a geographic number: toll-free and personal numbers have none.
  const areaCode = parsed.countryCallingCode === "1" && geographic ? table.areaCodes[parsed.nationalNumber.slice(0, 3)] : undefined;
  return [country, ...(areaCode ?? [])];
}
