import { type DialContext, loadOwnContext } from "../../db/queries/dial-context.ts";
import { localTimes, schedule } from "../compliance/decide.ts";
import { factsOf } from "../compliance/facts.ts";
import { isoSeconds } from "../lib/zoned-time.ts";
import { callbacks } from "../routes/resources.ts";
import { cancelableStatuses } from "../../schemas/callbacks.ts";
import { Eligibility } from "../../schemas/compliance.ts";

export const callbackEligibility = callbacks.get(
  {
    action: "eligibility",
    summary: "When a callback may next ring, and why",
    description:
      "Secret keys with callbacks:read. Decides, as the dialler would now and without changing anything, whether the " +
      "callback may ring: the do-not-call list and opt-out, the rulebook's calling windows in every zone the lead may be " +
      "in (from the number, the zone given for the lead, else the domain's), business hours, and caps on calls. " +
      "next_eligible_at is the first lawful moment from now (or from scheduled_at, if later); hold says what holds it.",
    returns: "The decision",
    schema: Eligibility,
  },
  loadOwnContext,
  (cb) => eligibility(cb, new Date()),
);

// The decision as GET /v1/callbacks/{id}/eligibility shows it; parsed by the route.
function eligibility(cb: DialContext, now: Date) {
  // Not before scheduled_at, nor before a retry's own wait (next_attempt_at, when nothing holds it).
  const notBefore = cb.status === "retry_scheduled" && cb.hold === null && cb.next_attempt_at !== null ? cb.next_attempt_at : cb.scheduled_at;
  const verdict = schedule(factsOf(cb, new Date(notBefore)), now);
  const blocked = cb.on_dnc ? "do_not_call" : cb.opted_out ? "opted_out" : null;
  const live = cancelableStatuses.some((status) => status === cb.status);
  // The next lawful moment of a callback that may still ring; null if none.
  const next = live && blocked === null ? verdict.at : null;
  return {
    callback_id: cb.id,
    status: cb.status,
    checked_at: isoSeconds(now),
    eligible_now: next !== null && verdict.hold === null && next.getTime() <= now.getTime() + 1000,
    blocked,
    next_eligible_at: next === null ? null : isoSeconds(next),
    hold: live && blocked === null ? verdict.hold : null,
    zones: verdict.place.zones,
    zone_source: verdict.place.zoneSource,
    regions: verdict.place.regions,
    lead_local_time: localTimes(now, verdict.place.zones),
    rules: verdict.rules.map((rule) => ({ id: rule.id, region: rule.region, citation: rule.citation })),
    rulebook_version: verdict.rulebookVersion,
    attempts_24h: verdict.attempts24h,
    caps: verdict.caps,
  };
}
