import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/**
 * The E.164 form of a phone number, or null if it is not one. A number without a leading +
 * is read in `defaultCountry`. "Possible" (right length for its country) is the bar, not
 * "valid": numbering plans change faster than the metadata, and a callback to a number that
 * turns out dead fails harmlessly at the carrier.
 */
export function toE164(raw: string, defaultCountry?: string): string | null {
  const country = defaultCountry?.toUpperCase() as CountryCode | undefined;
  const parsed = parsePhoneNumberFromString(raw.trim(), country);
  return parsed?.isPossible() ? parsed.number : null;
}
