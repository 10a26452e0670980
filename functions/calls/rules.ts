import type { BusinessHours } from "../../db/schema/domains.ts";
import type { DialContext } from "../../db/queries/call-attempts.ts";
import { defaultCallingHours, type CallingRules } from "../lib/schedule.ts";

// A callback without a domain has no business hours of its own: any time of the week, still
// within the lead's calling hours.
const always: BusinessHours = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [["00:00", "24:00"]]]));

/**
 * When this callback may ring: the domain's business hours, and the lead's calling hours in the
 * lead's time zone, else the callback's, else the domain's, else UTC.
 */
export function callingRules(cb: DialContext): CallingRules {
  const businessTimeZone = cb.domain_timezone ?? "UTC";
  return {
    businessHours: cb.business_hours ?? always,
    businessTimeZone,
    holidays: cb.holidays ?? [],
    leadTimeZone: cb.lead_timezone ?? cb.timezone ?? cb.domain_timezone ?? "UTC",
    callingHours: {
      start: cb.calling_hours_start ?? defaultCallingHours.start,
      end: cb.calling_hours_end ?? defaultCallingHours.end,
    },
  };
}
