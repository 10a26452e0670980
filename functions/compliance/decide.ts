import type { BusinessHours } from "../../db/schema/domains.ts";
import { businessWindow, dailyWindow } from "../lib/schedule.ts";
import { hhmm, isOpen, nextOpen, type Window } from "../lib/windows.ts";
import { addDays, isoDate, isoSeconds, type LocalDate, wallTime } from "../lib/zoned-time.ts";
import { type LeadPlace, placeLead, type ZoneSource } from "./place.ts";
import { type Rule, ruleLabel, ruleOn, rulebookVersion, rulesFor } from "./rulebook.ts";
import type { holdReasons } from "../../schemas/compliance.ts";

// When a callback may ring, and why not sooner. Every zone the lead may be in gets every
// window that applies there: each rule of the lead's regions, and the domain's and workspace's
// own calling hours (which can only narrow the law, never widen it); the domain's business hours
// apply in its own zone; caps on calls hold the callback until enough earlier calls age out.
// The first instant all of them allow is when it may ring. The same function decides at intake
// (so the 201 and the dialler agree), at every dial, for retries, and for the eligibility API.

export type HoldReason = (typeof holdReasons)[number];

export type Hold = {
  /** When it may ring; null for an empty window (the dialler looks again in a day). */
  until: string | null;
  reason: HoldReason;
  /** The rule that holds it: "US-FL 08:00-20:00", "US-AL no calls on Sunday", "domain 3 calls per 24 h". */
  rule: string;
  citation: string | null;
  zone: string;
  zone_source: ZoneSource | "agent";
};

type Hours = { start: string; end: string };

export type Facts = {
  phone: string;
  /** The lead's own zone, else the callback's: what the lead or the API said. */
  explicitZone: string | null;
  /** Where the business is, for a lead that nothing else places. */
  homeZones: { domain: string | null; workspace: string | null };
  /** The domain's weekly hours in its zone; null for a callback without a domain. */
  business: { timezone: string; hours: BusinessHours; holidays: string[] } | null;
  /** Ringback's own calling hours in the lead's zones, beside the law's: the domain's, else the default. */
  callingHours: { source: "domain" | "default"; hours: Hours };
  workspaceCallingHours: Hours | null;
  dailyCap: { source: "domain" | "default"; calls: number };
  /** The lead's calls in the last 31 days (any order). */
  recentAttempts: readonly Date[];
  /** Not before this: scheduled_at, or a retry's due time. */
  notBefore: Date | null;
};

export type Verdict = {
  /** The first lawful moment at or after max(now, notBefore); null when there is none within 400 days. */
  at: Date | null;
  hold: Hold | null;
  place: LeadPlace;
  rules: Rule[];
  /** Calls in the last 24 hours, and the caps that were checked. */
  attempts24h: number;
  caps: { rule: string; calls: number; hours: number; count: number }[];
  rulebookVersion: string;
  /** For an empty window: a day after the time asked for, when the dialler looks again. */
  lookAgainAt: Date;
};

/** Without a domain, at most this many calls a day reach one lead (the domain's default too). */
export const defaultDailyCap = 3;
const emptyWindowRecheckMs = 24 * 3600_000;

type Constraint = Window & {
  reason: "calling_hours" | "business_hours";
  /** How narrow a region the window is the law of: 2 for a country, 5 for US-FL; 0 for Ringback's own. */
  specificity: number;
  zone: string;
  citation: string | null;
  /** Why the window is closed on this local date: a ban's name, or null for "outside its hours". */
  explain(date: LocalDate): { label: string; ban: string | null };
};

export function schedule(facts: Facts, now: Date): Verdict {
  const place = placeLead(facts.phone, facts.explicitZone, facts.homeZones);
  const applied = rulesFor(place.regions, now);
  const constraints = constraintsOf(facts, place, applied);
  const caps = capsOf(facts, applied, now);
  const wanted = new Date(Math.max(now.getTime(), facts.notBefore?.getTime() ?? 0));
  // The cap that frees last holds the call; of two that free together, the law's is named.
  const binding = caps
    .filter((cap): cap is Cap & { freeAt: number } => cap.freeAt !== null)
    .sort((a, b) => b.freeAt - a.freeAt || Number(b.citation !== null) - Number(a.citation !== null))[0];
  const from = new Date(Math.max(wanted.getTime(), binding?.freeAt ?? 0));
  const opening = nextOpen(from, constraints);
  const verdict = {
    place,
    rules: applied,
    attempts24h: countSince(facts.recentAttempts, now, 24),
    caps: caps.map(({ rule, calls, hours, count }) => ({ rule, calls, hours, count })),
    rulebookVersion,
    lookAgainAt: new Date(wanted.getTime() + emptyWindowRecheckMs),
  };
  const zoneSource = place.zoneSource;
  const empty = (): Verdict => {
    const rule = `no hour open in all of ${place.zones.join(", ")}`;
    return { ...verdict, at: null, hold: { until: null, reason: "empty_window", rule, citation: null, zone: place.zones[0], zone_source: zoneSource } };
  };

  if (opening === null) return empty();
  // No grace: a call a moment before its window opens, or its cap frees, is still early.
  if (opening.getTime() === wanted.getTime()) return { ...verdict, at: wanted, hold: null };
  const { at, closed } = toWholeSecond(opening, opening.getTime() > from.getTime() ? from : null, constraints);
  if (at === null) return empty();
  const until = isoSeconds(at);
  if (closed === null) {
    // Every window was open when the cap freed: the cap held it.
    if (!binding) throw new Error("schedule: a later moment was chosen with every window open, but no cap holds the call");
    return { ...verdict, at, hold: { until, reason: "daily_cap", rule: binding.rule, citation: binding.citation, zone: place.zones[0], zone_source: zoneSource } };
  }
  return { ...verdict, at, hold: { ...closedAt(closed, constraints), until, zone_source: zoneSource } };
}

/**
 * Holds go out to the second, and a window's end is excluded, so an opening with a fraction is
 * rounded up and checked again (it may have stepped past the window's end: then the next
 * opening). `closed` is the first instant seen closed, which says why the call waits; null when
 * nothing was closed and only a cap held the call.
 */
function toWholeSecond(opening: Date, closed: Date | null, constraints: Constraint[]): { at: Date | null; closed: Date | null } {
  let at: Date | null = opening;
  for (let tries = 0; at && at.getTime() % 1000 !== 0 && tries < 10; tries++) {
    const rounded: Date = new Date(Math.ceil(at.getTime() / 1000) * 1000);
    at = nextOpen(rounded, constraints);
    if (at?.getTime() !== rounded.getTime()) closed ??= rounded;
  }
  return { at, closed };
}

/** When the dialler should look at the callback again: its lawful moment, or a day on for an empty window. */
export function recheckAt(verdict: Verdict): Date {
  return verdict.at ?? verdict.lookAgainAt;
}

function constraintsOf(facts: Facts, place: LeadPlace, rules: Rule[]): Constraint[] {
  const out: Constraint[] = [];
  if (facts.business) {
    const { timezone, hours, holidays } = facts.business;
    const label = `business hours (${timezone})`;
    out.push({ ...businessWindow(hours, timezone, holidays), reason: "business_hours", specificity: 0, zone: timezone, citation: null, explain: () => ({ label, ban: null }) });
  }
  const own = [
    { who: facts.callingHours.source, hours: facts.callingHours.hours },
    ...(facts.workspaceCallingHours ? [{ who: "workspace", hours: facts.workspaceCallingHours }] : []),
  ];
  for (const zone of place.zones) {
    for (const { who, hours } of own) {
      const label = `${who} ${hours.start}-${hours.end}`;
      out.push({ ...dailyWindow(zone, hours, `${who} calling hours`), reason: "calling_hours", specificity: 0, zone, citation: null, explain: () => ({ label, ban: null }) });
    }
  }
  for (const rule of rules) {
    // A rule on a fixed clock (Mississippi's Central Standard Time) is one window wherever the lead is.
    for (const zone of rule.clock ? [rule.clock] : place.zones) out.push(ruleWindow(rule, zone));
  }
  return out;
}

function ruleWindow(rule: Rule, timeZone: string): Constraint {
  const dayOf = (date: LocalDate) => ruleOn(rule, date, addDays(date, 1));
  return {
    timeZone,
    rangesOn: (date) => dayOf(date).ranges,
    reason: "calling_hours",
    specificity: rule.region.length,
    zone: timeZone,
    citation: rule.citation,
    explain: (date) => {
      const day = dayOf(date);
      return { label: day.ban ? `${rule.region} no calls on ${day.ban}` : ruleLabel(rule, day.ranges), ban: day.ban };
    },
  };
}

/** Why `from` is not open: a ban first, then calling hours, then business hours. */
function closedAt(from: Date, constraints: Constraint[]): Omit<Hold, "until" | "zone_source"> {
  const closed = constraints
    .filter((constraint) => !isOpen(from, constraint))
    .map((constraint) => ({ constraint, ...constraint.explain(wallTime(from, constraint.timeZone)) }));
  // A law's ban, then a law's hours, then the domain's or workspace's own hours, then business hours.
  // Among equals, the window that opens last holds it; then the narrower region (US-FL before US).
  const rank = ({ constraint, ban }: (typeof closed)[number]) =>
    constraint.reason === "business_hours" ? 3 : ban ? 0 : constraint.citation ? 1 : 2;
  const opens = (c: (typeof closed)[number]) => nextOpen(from, [c.constraint])?.getTime() ?? Infinity;
  const first = closed.sort((a, b) => rank(a) - rank(b) || opens(b) - opens(a) || b.constraint.specificity - a.constraint.specificity)[0];
  if (!first) throw new Error("schedule: a later moment was chosen, but every window is open now");
  const reason: HoldReason = rank(first) === 0 ? "state_ban" : first.constraint.reason;
  return { reason, rule: first.label, citation: first.constraint.citation, zone: first.constraint.zone };
}

type Cap = { rule: string; citation: string | null; calls: number; hours: number; count: number; freeAt: number | null };

function capsOf(facts: Facts, rules: Rule[], now: Date): Cap[] {
  const { source, calls } = facts.dailyCap;
  const own = { rule: `${source} ${calls} calls per 24 h`, citation: null, calls, hours: 24 };
  const laws = rules.flatMap(({ region, citation, cap }) => (cap ? [{ rule: `${region} ${cap.calls} calls per ${cap.hours} h`, citation, calls: cap.calls, hours: cap.hours }] : []));
  const all = [own, ...laws];
  const newestFirst = [...facts.recentAttempts].map((d) => d.getTime()).sort((a, b) => b - a);
  return all.map((cap) => {
    const count = countSince(facts.recentAttempts, now, cap.hours);
    if (count < cap.calls) return { ...cap, count, freeAt: null };
    // Over the cap, a call may be made once the cap-th newest call is older than the period.
    const capthNewest = newestFirst[cap.calls - 1];
    if (capthNewest === undefined) throw new Error(`schedule: a cap of ${cap.calls} calls is reached with fewer calls on record`);
    return { ...cap, count, freeAt: capthNewest + cap.hours * 3600_000 };
  });
}

function countSince(attempts: readonly Date[], now: Date, hours: number): number {
  const since = now.getTime() - hours * 3600_000;
  return attempts.filter((at) => at.getTime() > since && at.getTime() <= now.getTime()).length;
}

/** The lead's wall clock in each zone, as ISO 8601 with its offset: "2026-12-01T18:01:00-05:00". */
export function localTimes(at: Date, zones: readonly string[]): Record<string, string> {
  const times: Record<string, string> = Object.create(null);
  for (const zone of zones) {
    const wall = wallTime(at, zone);
    const offset = Math.round((Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
    const sign = offset < 0 ? "-" : "+";
    times[zone] = `${isoDate(wall)}T${hhmm(wall.hour * 60 + wall.minute)}:${String(wall.second).padStart(2, "0")}${sign}${hhmm(Math.abs(offset))}`;
  }
  return times;
}
