import { canonicalTimeZone } from "../../schemas/common.ts";
import { placeOfNumber } from "./where.ts";

// Which zones a lead may be in, and where that came from. Precedence, taking the strictest:
//
// 1. a zone given explicitly (the API's `timezone`, a PATCHed lead) and the zones the number
//    implies both count: the calling window is open only when it is open in every one of them.
//    Florida, Oklahoma and Connecticut presume that an area code is where the lead is, so a zone
//    the lead gave does not lift the area code's; nor does it narrow a number that names only
//    its country (an Australian mobile): the lead could still be anywhere the number says;
// 2. the domain's zone, only when neither the lead nor the number says anything;
// 3. the workspace's zone, for a callback without a domain; else UTC.

export type ZoneSource = "explicit" | "number" | "explicit+number" | "domain" | "workspace" | "default";

/** Never empty: a lead that nothing places is in UTC. The first zone is the one a decision names. */
export type LeadPlace = { zones: [string, ...string[]]; zoneSource: ZoneSource; regions: string[] };

export function placeLead(phone: string, explicitZone: string | null, fallback: { domain: string | null; workspace: string | null }): LeadPlace {
  const number = placeOfNumber(phone);
  const numberZones = unique(number.zones.map(canonical));
  const explicit = explicitZone ? canonical(explicitZone) : null;
  const regions = number.regions;
  const [firstNumberZone, ...otherNumberZones] = numberZones;
  if (firstNumberZone !== undefined) {
    if (!explicit) return { zones: [firstNumberZone, ...otherNumberZones], zoneSource: "number", regions };
    return { zones: [explicit, ...numberZones.filter((zone) => zone !== explicit)], zoneSource: "explicit+number", regions };
  }
  if (explicit) return { zones: [explicit], zoneSource: "explicit", regions };
  if (fallback.domain) return { zones: [canonical(fallback.domain)], zoneSource: "domain", regions };
  if (fallback.workspace) return { zones: [canonical(fallback.workspace)], zoneSource: "workspace", regions };
  return { zones: ["UTC"], zoneSource: "default", regions };
}

// The map's names and a caller's may spell one zone two ways (Asia/Calcutta, Asia/Kolkata);
// compared in the runtime's canonical spelling, they are one zone.
const canonicalNames = new Map<string, string>();
function canonical(zone: string): string {
  let name = canonicalNames.get(zone);
  if (name === undefined) {
    name = canonicalTimeZone(zone);
    canonicalNames.set(zone, name);
  }
  return name;
}

const unique = (items: string[]) => [...new Set(items)];
