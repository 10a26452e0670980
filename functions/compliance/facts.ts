import type { DialContext, DomainSettings } from "../../db/queries/dial-context.ts";
import { defaultCallingHours } from "../lib/schedule.ts";
import { defaultDailyCap, type Facts } from "./decide.ts";

// What the decision needs to know, from what intake reads before it writes and from what the
// dialler reads when it claims a callback. A callback without a domain has no business hours:
// any time of the week, within Ringback's default calling hours and the law's.

export type FactsInput = {
  phone: string;
  /** The zone given for the lead: the request's, else the lead's own. */
  explicitZone: string | null;
  domain: DomainSettings | null;
  workspace: { timezone: string | null; callingHoursStart: string | null; callingHoursEnd: string | null };
  recentAttempts: readonly string[];
  notBefore: Date | null;
};

export function factsFrom(input: FactsInput): Facts {
  const { domain, workspace } = input;
  return {
    phone: input.phone,
    explicitZone: input.explicitZone,
    homeZones: { domain: domain?.timezone ?? null, workspace: workspace.timezone },
    business: domain ? { timezone: domain.timezone, hours: domain.business_hours, holidays: domain.holidays } : null,
    callingHours: domain
      ? { source: "domain", hours: { start: domain.calling_hours_start, end: domain.calling_hours_end } }
      : { source: "default", hours: defaultCallingHours },
    workspaceCallingHours:
      workspace.callingHoursStart && workspace.callingHoursEnd ? { start: workspace.callingHoursStart, end: workspace.callingHoursEnd } : null,
    dailyCap: domain ? { source: "domain", calls: domain.daily_attempt_cap } : { source: "default", calls: defaultDailyCap },
    recentAttempts: input.recentAttempts.map((at) => new Date(at)),
    notBefore: input.notBefore,
  };
}

/** The facts of a callback the dialler has loaded. */
export function factsOf(cb: DialContext, notBefore: Date | null): Facts {
  return factsFrom({
    phone: cb.lead_phone,
    explicitZone: cb.lead_timezone ?? cb.timezone,
    domain: cb.domain,
    workspace: { timezone: cb.workspace_timezone, callingHoursStart: cb.workspace_calling_hours_start, callingHoursEnd: cb.workspace_calling_hours_end },
    recentAttempts: cb.recent_attempts,
    notBefore,
  });
}
