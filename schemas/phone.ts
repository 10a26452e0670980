import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/**
 * The E.164 form of a phone number, or null if it is not one. A number without a leading + is
 * read in `defaultCountry` (ISO 3166 alpha-2; "UK" means GB).
 *
 * "Possible" (the right length for its country) is the bar, not "valid": numbering plans change
 * faster than the metadata, and a dead number fails harmlessly at the carrier. A number written
 * in international form (a + and 8 to 15 digits) is kept as written even when the metadata does
 * not know it: seed 000's own example, +1234567890, is one, and must be accepted as sent.
 */
export function toE164(raw: string, defaultCountry?: string): string | null {
  const text = raw.trim();
  const parsed = parsePhoneNumberFromString(text, countryCode(defaultCountry));
  if (parsed?.isPossible()) return parsed.number;
  const compact = text.replace(/[\s().-]/g, "");
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : null;
}

/** Whether `country` (ISO 3166 alpha-2; "UK" means GB) is one whose numbers can be read. */
export function isKnownCountry(country: string): boolean {
  const code = countryCode(country);
  return code !== undefined && isSupportedCountry(code);
}

export function countryCode(country: string | null | undefined): CountryCode | undefined {
  if (!country) return undefined;
  const upper = country.trim().toUpperCase();
  return (upper === "UK" ? "GB" : upper) as CountryCode;
}
