import fc from "fast-check";
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { type Facts, schedule } from "../../functions/compliance/decide.ts";
import places from "../../functions/compliance/phone-places.json" with { type: "json" };
import { type Rule, rules } from "../../functions/compliance/rulebook.ts";
import { placeOfNumber } from "../../functions/compliance/where.ts";

// Properties of the decision over every rule in the rulebook, numbers from each rule's region,
// zones given or not, and instants across the DST changes of both hemispheres. The oracle works
// the answer out on its own: it picks the rules from the number's regions, the zones from the
// precedence rules, reads each zone's wall clock straight from Intl, and finds holidays by brute
// force with its own table of Easter Sundays, without the window engine or the holiday code:
//
// - no call is ever allowed at an instant outside any window, in any zone the lead may be in;
// - nothing is held when every window is open and no cap is reached;
// - a hold's `until` is open, and nothing before it (sampled) was.

const runs = 300;

// ---- numbers from each rule's region -------------------------------------------------------

let seed = 8_2026;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");

function numbersOf(region: string): string[] {
  const found: string[] = [];
  const areaCodes = Object.entries(places.areaCodes as Record<string, string[]>);
  const [country] = region.split("-") as [string];
  if (country === "US" || country === "CA") {
    for (const [code, regions] of areaCodes) {
      if (region.includes("-") ? !regions.includes(region) : !regions.some((r) => r.startsWith(`${country}-`))) continue;
      for (let i = 0; i < 3; i++) found.push(`+1${code}${2 + Math.floor(random() * 8)}${digits(6)}`);
    }
  } else {
    const callingCode = getCountryCallingCode(country as CountryCode);
    const prefixes = Object.keys(places.prefixes).filter((p) => p.startsWith(callingCode));
    for (const prefix of prefixes) for (let length = 9; length <= 12; length++) found.push(`+${prefix}${digits(Math.max(0, length - prefix.length))}`);
  }
  return found.filter((phone) => {
    const parsed = parsePhoneNumberFromString(phone);
    return parsed?.isValid() && placeOfNumber(phone).regions.includes(region);
  });
}

const pools = new Map(rules.map((rule) => [rule.region, numbersOf(rule.region)]));

// ---- the oracle ----------------------------------------------------------------------------

const clockFormats = new Map<string, Intl.DateTimeFormat>();
function clock(at: number, zone: string) {
  let format = clockFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short" });
    clockFormats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday!) + 1;
  const minutes = Number(parts.hour) * 60 + Number(parts.minute) + Number(parts.second) / 60;
  return { date, weekday, minutes, year: Number(parts.year) };
}

const inRanges = (minutes: number, ranges: readonly (readonly [number, number])[]) => ranges.some(([s, e]) => s <= minutes && minutes < e);
const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
const nextDate = (date: string) => new Date(Date.parse(`${date}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const easter: Record<number, string> = { 2025: "04-20", 2026: "04-05", 2027: "03-28", 2028: "04-16", 2029: "04-01" };
const dayOfWeek = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay() || 7; // ISO: 7 = Sunday
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const pad = (n: number) => String(n).padStart(2, "0");

/** Every date a calendar's day falls on in `year`, and the day it is observed on. */
function datesOf(day: NonNullable<Rule["holidays"]>["days"][number], year: number, observance: string): string[] {
  if ((day.years === "even" && year % 2) || (day.years === "odd" && !(year % 2))) return [];
  let date: string;
  if (day.easter !== undefined) date = shift(`${year}-${easter[year]}`, day.easter);
  else if (day.day !== undefined) date = `${year}-${pad(day.month!)}-${pad(day.day)}`;
  else {
    const matching: string[] = [];
    for (let d = 1; d <= 31; d++) {
      const candidate = `${year}-${pad(day.month!)}-${pad(d)}`;
      if (Number(shift(candidate, 0).slice(5, 7)) === day.month && dayOfWeek(candidate) === day.weekday) matching.push(candidate);
    }
    date = shift(day.nth === -1 ? matching.at(-1)! : matching[day.nth! - 1]!, day.offset ?? 0);
  }
  const weekday = dayOfWeek(date);
  const moved = {
    none: date,
    nearest: weekday === 6 ? shift(date, -1) : weekday === 7 ? shift(date, 1) : date,
    monday: weekday === 6 ? shift(date, 2) : weekday === 7 ? shift(date, 1) : date,
    sunday: weekday === 7 ? shift(date, 1) : date,
    "week-monday": weekday >= 6 ? shift(date, 8 - weekday) : shift(date, 1 - weekday),
  }[day.observance ?? observance]!;
  return [date, moved];
}

function holidayIn(rule: Rule, date: string): boolean {
  if (!rule.holidays) return false;
  const year = Number(date.slice(0, 4));
  return [year - 1, year, year + 1].some((y) => rule.holidays!.days.some((day) => datesOf(day, y, rule.holidays!.observance).includes(date)));
}

function ruleOpen(rule: Rule, at: number, zone: string): boolean {
  const local = clock(at, rule.clock ?? zone);
  if (holidayIn(rule, local.date)) return false;
  const ranges = rule.week.get(local.weekday);
  if (!ranges || !inRanges(local.minutes, ranges)) return false;
  return !(rule.eve && holidayIn(rule, nextDate(local.date)) && !inRanges(local.minutes, rule.eve));
}

const canonical = (zone: string) => new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;

/** The zones a lead may be in, by the precedence the README states. */
function zonesOf(facts: Facts): string[] {
  const number = placeOfNumber(facts.phone).zones.map(canonical);
  const given = facts.explicitZone ? [canonical(facts.explicitZone)] : [];
  if (number.length > 0 || given.length > 0) return [...new Set([...given, ...number])];
  return [facts.homeZones.domain ?? facts.homeZones.workspace ?? "UTC"];
}

/** The rulebook's rules for the number's regions, in force at `at`. */
const rulesOf = (phone: string, at: number) =>
  rules.filter((rule) => placeOfNumber(phone).regions.includes(rule.region) && (rule.effective_from === null || rule.effective_from <= new Date(at).toISOString().slice(0, 10)));

/** Whether the oracle lets a call be placed at `at`, and the cap is not reached. */
function lawful(facts: Facts, zones: string[], applied: Rule[], at: number): boolean {
  for (const zone of zones) {
    const local = clock(at, zone);
    const own = [facts.callingHours.hours, facts.workspaceCallingHours].filter((h) => h !== null);
    if (!own.every((h) => inRanges(local.minutes, [[toMinutes(h.start), toMinutes(h.end)]]))) return false;
    if (!applied.every((rule) => ruleOpen(rule, at, zone))) return false;
  }
  if (facts.business) {
    const local = clock(at, facts.business.timezone);
    const ranges = (facts.business.hours[String(local.weekday) as "1"] ?? []).map(([s, e]) => [toMinutes(s), toMinutes(e)] as const);
    if (facts.business.holidays.includes(local.date) || !inRanges(local.minutes, ranges)) return false;
  }
  const caps = [{ calls: facts.dailyCap.calls, hours: 24 }, ...applied.filter((r) => r.cap).map((r) => r.cap!)];
  return caps.every((cap) => facts.recentAttempts.filter((t) => t.getTime() > at - cap.hours * 3600_000 && t.getTime() <= at).length < cap.calls);
}

// ---- generators ----------------------------------------------------------------------------

const zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu", "Europe/London", "Europe/Paris", "Africa/Johannesburg", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "Australia/Perth", "Australia/Lord_Howe", "Pacific/Auckland", "America/Santiago", "America/Anchorage", "America/Adak", "America/Boise", "America/North_Dakota/Center", "America/Puerto_Rico"];

// The 2026 changes in both hemispheres (and the 2027 US spring one), as instants.
const transitions = ["2026-03-08T07:00:00Z", "2026-03-29T01:00:00Z", "2026-04-05T03:00:00Z", "2026-04-05T16:00:00Z", "2026-09-06T04:00:00Z", "2026-09-26T14:00:00Z", "2026-10-03T16:00:00Z", "2026-10-25T01:00:00Z", "2026-11-01T06:00:00Z", "2027-03-14T07:00:00Z"].map(Date.parse);

const instant = fc.oneof(
  fc.tuple(fc.constantFrom(...transitions), fc.integer({ min: -3 * 1440, max: 3 * 1440 })).map(([t, minutes]) => t + minutes * 60_000),
  fc.integer({ min: Date.parse("2026-06-01T00:00:00Z"), max: Date.parse("2027-12-31T00:00:00Z") }),
);

const hhmm = (quarters: number) => `${String(Math.floor(quarters / 4)).padStart(2, "0")}:${String((quarters % 4) * 15).padStart(2, "0")}`;
// Opening at 06:00 or later and closing by 22:00, clear of the hours DST changes skip or repeat.
const range = fc.tuple(fc.integer({ min: 24, max: 80 }), fc.integer({ min: 1, max: 40 })).map(([open, length]) => [hhmm(open), hhmm(Math.min(88, open + length))] as [string, string]);

const caseOf = (regionRules: readonly Rule[]) =>
  fc.record({
    rule: fc.constantFrom(...regionRules),
    pick: fc.nat(),
    explicit: fc.option(fc.constantFrom(...zones), { freq: 2 }),
    now: instant,
    domain: fc.option(
      fc.record({
        timezone: fc.constantFrom(...zones),
        week: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        range,
        calling: fc.option(range, { freq: 2 }),
        cap: fc.integer({ min: 1, max: 6 }),
      }),
      { freq: 2 },
    ),
    workspaceHours: fc.option(range, { freq: 4 }),
    attemptsAgo: fc.array(fc.integer({ min: 1, max: 40 * 24 * 60 }), { maxLength: 6 }),
  });

type Case = ReturnType<typeof caseOf> extends fc.Arbitrary<infer T> ? T : never;

function factsOf(c: Case): { facts: Facts; now: number } {
  const pool = pools.get(c.rule.region)!;
  const phone = pool[c.pick % pool.length]!;
  const d = c.domain;
  return {
    now: c.now,
    facts: {
      phone,
      explicitZone: c.explicit,
      homeZones: { domain: d?.timezone ?? null, workspace: null },
      business: d ? { timezone: d.timezone, hours: Object.fromEntries(d.week.map((day) => [String(day), [d.range]])), holidays: [] } : null,
      callingHours: d?.calling ? { source: "domain", hours: { start: d.calling[0], end: d.calling[1] } } : { source: "default", hours: { start: "08:00", end: "21:00" } },
      workspaceCallingHours: c.workspaceHours ? { start: c.workspaceHours[0], end: c.workspaceHours[1] } : null,
      dailyCap: { source: d ? "domain" : "default", calls: d?.cap ?? 3 },
      recentAttempts: c.attemptsAgo.map((minutes) => new Date(c.now - minutes * 60_000)),
      notBefore: null,
    },
  };
}

// ---- properties ----------------------------------------------------------------------------

describe("the rulebook's regions", () => {
  it.each([...pools.keys()])("%s has numbers to test with", (region) => {
    expect(pools.get(region)!.length).toBeGreaterThan(0);
  });
});

describe("lawful calling, as properties", { timeout: 240_000 }, () => {
  it("never dials outside a window in any zone the lead may be in, and never holds a lawful call", () => {
    fc.assert(
      fc.property(caseOf(rules), (c) => {
        const { facts, now } = factsOf(c);
        const verdict = schedule(facts, new Date(now));
        const possible = zonesOf(facts);
        expect(new Set(verdict.place.zones)).toEqual(new Set(possible));
        const allowed = lawful(facts, possible, rulesOf(facts.phone, now), now);
        if (verdict.hold === null) expect(allowed, `dialled at ${new Date(now).toISOString()} for ${facts.phone}`).toBe(true);
        else expect(allowed, `held at ${new Date(now).toISOString()} for ${facts.phone}: ${JSON.stringify(verdict.hold)}`).toBe(false);
      }),
      { numRuns: runs, seed: 20261201 },
    );
  });

  it("holds until an instant that is lawful, with none lawful before it", () => {
    fc.assert(
      fc.property(caseOf(rules), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), (c, samples) => {
        const { facts, now } = factsOf(c);
        const verdict = schedule(facts, new Date(now));
        if (!verdict.hold || verdict.hold.until === null) return;
        const until = Date.parse(verdict.hold.until);
        const zones = zonesOf(facts);
        expect(lawful(facts, zones, rulesOf(facts.phone, until), until), `until ${verdict.hold.until}`).toBe(true);
        for (const t of [...samples.map((s) => now + Math.floor(s * (until - now - 1000))), until - 1000]) {
          if (t >= now) expect(lawful(facts, zones, rulesOf(facts.phone, t), t), `lawful at ${new Date(t).toISOString()} before ${verdict.hold.until}`).toBe(false);
        }
      }),
      { numRuns: runs, seed: 20261202 },
    );
  });

  it("never dials a Florida number without a given zone at or after 20:00 Eastern, or before 08:00", () => {
    const florida = rules.filter((rule) => rule.region === "US-FL");
    fc.assert(
      fc.property(caseOf(florida), (c) => {
        const { facts, now } = factsOf({ ...c, explicit: null });
        const verdict = schedule(facts, new Date(now));
        const eastern = clock(now, "America/New_York").minutes;
        if (eastern >= 20 * 60 || eastern < 8 * 60) expect(verdict.hold).not.toBeNull();
      }),
      { numRuns: runs, seed: 20261203 },
    );
  });
});
