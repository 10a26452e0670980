import type { NewDecision } from "../../db/queries/compliance.ts";
import type { DialContext } from "../../db/queries/dial-context.ts";
import { newId } from "../../schemas/ids.ts";
import { localTimes, type Verdict } from "./decide.ts";

// A dial decision as it is kept: what was decided and why, the lead's local time and the zones
// it was read in (and where they came from), the rules and the rulebook version, the do-not-call
// and opt-out check, the calls in the last 24 hours, and the consent relied on. The JSON text is
// what the chain hashes; its field order is fixed here.

export type Outcome = "dialled" | "held" | "blocked";

export function newDecision(cb: DialContext, verdict: Verdict, outcome: Outcome, decidedAt: Date, blockedBy: string | null = null): NewDecision {
  const hold = outcome === "held" ? verdict.hold : null;
  const record = {
    decision: outcome,
    reason: blockedBy ?? hold?.reason ?? null,
    until: hold?.until ?? null,
    rule: hold?.rule ?? null,
    citation: hold?.citation ?? null,
    decided_at: decidedAt.toISOString(),
    callback_id: cb.id,
    lead_id: cb.lead_id,
    phone: cb.lead_phone,
    zone: hold?.zone ?? verdict.place.zones[0],
    zone_source: verdict.place.zoneSource,
    zones: verdict.place.zones,
    regions: verdict.place.regions,
    lead_local_time: localTimes(decidedAt, verdict.place.zones),
    rules_applied: verdict.rules.map((rule) => rule.id),
    rulebook_version: verdict.rulebookVersion,
    dnc: { on_list: cb.on_dnc, opted_out: cb.opted_out },
    attempts_24h: verdict.attempts24h,
    caps: verdict.caps,
    consent: cb.consent,
  };
  return {
    id: newId("dialDecision", decidedAt.getTime()),
    workspaceId: cb.workspace_id,
    mode: cb.mode,
    leadId: cb.lead_id,
    callbackId: cb.id,
    outcome,
    record: JSON.stringify(record),
  };
}
