import { describe, expect, it } from "vitest";
import type { BusinessHours } from "../../db/schema/domains.ts";
import { type CallingRules, defaultRetryIntervalsSeconds, isCallable, nextCallableTime, retryTime } from "../../functions/lib/schedule.ts";
import { wallTime, zonedInstant } from "../../functions/lib/zoned-time.ts";

type Day = keyof BusinessHours;
const days = (which: Day[], ranges: [string, string][]): BusinessHours => Object.fromEntries(which.map((d) => [d, ranges]));
const weekdays = (ranges: [string, string][]) => days(["1", "2", "3", "4", "5"], ranges);
const nineToFive = weekdays([["09:00", "17:00"]]);
const always = days(["1", "2", "3", "4", "5", "6", "7"], [["00:00", "24:00"]]);

const rules = (businessTimeZone: string, more: Partial<CallingRules> = {}): CallingRules => ({
  businessHours: nineToFive,
  businessTimeZone,
  holidays: [],
  leadTimeZone: null,
  ...more,
});

const next = (from: string, r: CallingRules) => nextCallableTime(new Date(from), r)?.toISOString() ?? null;

describe("zonedInstant: local wall time to UTC", () => {
  it.each([
    // zone, date, HH:MM, instant
    ["America/New_York", "2026-03-07", "09:00", "2026-03-07T14:00:00.000Z"],
    ["America/New_York", "2026-03-08", "01:59", "2026-03-08T06:59:00.000Z"],
    ["America/New_York", "2026-03-08", "02:00", "2026-03-08T07:00:00.000Z"], // gap: the jump
    ["America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00.000Z"], // gap: the jump
    ["America/New_York", "2026-03-08", "03:00", "2026-03-08T07:00:00.000Z"],
    ["America/New_York", "2026-03-08", "09:00", "2026-03-08T13:00:00.000Z"],
    ["America/New_York", "2026-11-01", "00:59", "2026-11-01T04:59:00.000Z"],
    ["America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00.000Z"], // repeated: the first
    ["America/New_York", "2026-11-01", "02:00", "2026-11-01T07:00:00.000Z"],
    ["America/New_York", "2026-11-01", "09:00", "2026-11-01T14:00:00.000Z"],
    ["Europe/London", "2026-03-29", "00:59", "2026-03-29T00:59:00.000Z"],
    ["Europe/London", "2026-03-29", "01:30", "2026-03-29T01:00:00.000Z"], // gap
    ["Europe/London", "2026-03-29", "09:00", "2026-03-29T08:00:00.000Z"],
    ["Europe/London", "2026-10-25", "01:30", "2026-10-25T00:30:00.000Z"], // repeated
    ["Europe/London", "2026-10-25", "09:00", "2026-10-25T09:00:00.000Z"],
    ["Europe/London", "2026-10-24", "24:00", "2026-10-24T23:00:00.000Z"], // the next midnight, still BST
    ["America/Santiago", "2026-09-06", "00:00", "2026-09-06T04:00:00.000Z"], // midnight skipped
    ["America/Santiago", "2026-04-04", "23:30", "2026-04-05T02:30:00.000Z"], // 23:00–24:00 repeated
    ["Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30:00.000Z"], // a 30-minute gap
    ["Asia/Kathmandu", "2026-06-01", "09:00", "2026-06-01T03:15:00.000Z"],
  ])("%s %s %s is %s", (zone, date, time, instant) => {
    const [year, month, day] = date.split("-").map(Number) as [number, number, number];
    const [hour, minute] = time.split(":").map(Number) as [number, number];
    expect(zonedInstant({ year, month, day }, hour * 60 + minute, zone).toISOString()).toBe(instant);
  });

  it("reads the wall clock with ISO weekdays", () => {
    expect(wallTime(new Date("2026-03-08T06:59:59Z"), "America/New_York")).toEqual({
      year: 2026, month: 3, day: 8, hour: 1, minute: 59, second: 59, weekday: 7,
    });
    expect(wallTime(new Date("2026-03-08T07:00:00Z"), "America/New_York")).toMatchObject({ hour: 3, minute: 0 });
  });
});

describe("business hours across DST changes", () => {
  it.each([
    // Friday before and Monday after each change: 09:00 local moves by an hour in UTC.
    ["America/New_York", "2026-03-06T12:00:00Z", "2026-03-06T14:00:00.000Z"],
    ["America/New_York", "2026-03-06T22:00:00Z", "2026-03-09T13:00:00.000Z"],
    ["America/New_York", "2026-10-30T12:00:00Z", "2026-10-30T13:00:00.000Z"],
    ["America/New_York", "2026-10-30T21:00:00Z", "2026-11-02T14:00:00.000Z"],
    ["Europe/London", "2026-03-27T07:00:00Z", "2026-03-27T09:00:00.000Z"],
    ["Europe/London", "2026-03-27T17:00:00Z", "2026-03-30T08:00:00.000Z"],
    ["Europe/London", "2026-10-23T07:00:00Z", "2026-10-23T08:00:00.000Z"],
    ["Europe/London", "2026-10-23T16:00:00Z", "2026-10-26T09:00:00.000Z"],
  ])("%s from %s opens at %s", (zone, from, expected) => {
    expect(next(from, rules(zone))).toBe(expected);
  });

  it.each([
    // Hours on the change day itself, with calling hours widened to the whole day.
    ["America/New_York", "02:30", "04:00", "2026-03-08T00:00:00Z", "2026-03-08T07:00:00.000Z"], // 02:30 skipped
    ["America/New_York", "02:00", "02:30", "2026-03-08T00:00:00Z", "2026-03-15T06:00:00.000Z"], // never shown
    ["America/New_York", "01:30", "03:00", "2026-11-01T00:00:00Z", "2026-11-01T05:30:00.000Z"], // first 01:30
    ["Europe/London", "01:30", "04:00", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00.000Z"],
    ["Europe/London", "01:30", "04:00", "2026-10-25T00:00:00Z", "2026-10-25T00:30:00.000Z"],
  ])("%s Sunday %s–%s from %s opens at %s", (zone, start, end, from, expected) => {
    const r = rules(zone, { businessHours: { "7": [[start, end]] }, callingHours: { start: "00:00", end: "24:00" } });
    expect(next(from, r)).toBe(expected);
  });

  it.each([
    ["America/New_York", "2026-03-08T05:00:00Z", "2026-03-08T12:00:00.000Z"],
    ["America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T13:00:00.000Z"],
    ["Europe/London", "2026-03-29T00:00:00Z", "2026-03-29T07:00:00.000Z"],
    ["Europe/London", "2026-10-25T00:00:00Z", "2026-10-25T08:00:00.000Z"],
  ])("the lead's 08:00 in %s on the change day, from %s, is %s", (zone, from, expected) => {
    expect(next(from, rules(zone, { businessHours: always }))).toBe(expected);
  });
});

describe("a lead in another time zone", () => {
  const london = rules("Europe/London", { leadTimeZone: "America/Los_Angeles" });

  it.each([
    // Summer: 08:00 in LA is 16:00 in London, so only 16:00–17:00 London works.
    ["2026-04-06T08:00:00Z", "2026-04-06T15:00:00.000Z"],
    ["2026-04-06T15:30:00Z", "2026-04-06T15:30:00.000Z"],
    ["2026-04-06T16:00:00Z", "2026-04-07T15:00:00.000Z"],
    // Between the US change (8 March) and the UK's (29 March) the gap is 7 h: 15:00 London.
    ["2026-03-16T09:00:00Z", "2026-03-16T15:00:00.000Z"],
    // Winter: 8 h apart, 16:00 London again.
    ["2026-01-12T09:00:00Z", "2026-01-12T16:00:00.000Z"],
    // Friday after 17:00 London: Monday.
    ["2026-04-10T16:00:00Z", "2026-04-13T15:00:00.000Z"],
  ])("London 09–17, lead in LA: from %s the first call is %s", (from, expected) => {
    expect(next(from, london)).toBe(expected);
  });

  it("holds a New York business at 16:00 when the lead in London reaches 21:00", () => {
    const r = rules("America/New_York", { leadTimeZone: "Europe/London" });
    expect(next("2026-06-01T19:59:00Z", r)).toBe("2026-06-01T19:59:00.000Z");
    expect(next("2026-06-01T20:00:00Z", r)).toBe("2026-06-02T13:00:00.000Z");
  });
});

describe("the lead's calling hours (08:00 to 21:00, lead-local)", () => {
  const chicago = (businessHours: BusinessHours, businessTimeZone = "UTC") =>
    rules(businessTimeZone, { businessHours, leadTimeZone: "America/Chicago" });

  it.each([
    ["20:59 is callable", "2026-06-10T01:59:00Z", chicago(always), "2026-06-10T01:59:00.000Z"],
    ["20:59:59.999 is callable", "2026-06-10T01:59:59.999Z", chicago(always), "2026-06-10T01:59:59.999Z"],
    ["21:00 waits for 08:00", "2026-06-10T02:00:00Z", chicago(always), "2026-06-10T13:00:00.000Z"],
    ["21:00 waits for a later business opening", "2026-06-10T02:00:00Z", chicago(weekdays([["10:00", "17:00"]]), "America/New_York"), "2026-06-10T14:00:00.000Z"],
    ["21:00 waits for 08:00 when the business opened earlier", "2026-06-10T02:00:00Z", chicago(weekdays([["06:00", "17:00"]]), "America/New_York"), "2026-06-10T13:00:00.000Z"],
    ["07:59 waits for 08:00", "2026-06-10T12:59:00Z", chicago(always), "2026-06-10T13:00:00.000Z"],
    ["08:00 is callable", "2026-06-10T13:00:00Z", chicago(always), "2026-06-10T13:00:00.000Z"],
    ["no lead zone means the business's", "2026-06-10T01:00:00Z", rules("America/New_York", { businessHours: always }), "2026-06-10T12:00:00.000Z"],
  ])("%s", (_, from, r, expected) => {
    expect(next(from, r)).toBe(expected);
  });

  it("does not open at 21:00 because the business opens then", () => {
    const r = rules("UTC", { businessHours: days(["3", "4"], [["12:00", "13:00"], ["21:00", "22:00"]]), leadTimeZone: "UTC" });
    expect(next("2026-06-10T14:00:00Z", r)).toBe("2026-06-11T12:00:00.000Z");
  });

  it("takes other calling hours when given", () => {
    const r = rules("UTC", { businessHours: always, leadTimeZone: "UTC", callingHours: { start: "09:30", end: "18:00" } });
    expect(next("2026-06-10T18:00:00Z", r)).toBe("2026-06-11T09:30:00.000Z");
  });
});

describe("weeks, ranges and holidays", () => {
  it.each([
    ["a weekend waits for Monday", nineToFive, [], "2026-06-13T10:00:00Z", "2026-06-15T08:00:00.000Z"],
    ["Saturday hours are used", { ...nineToFive, "6": [["10:00", "14:00"]] }, [], "2026-06-13T07:00:00Z", "2026-06-13T09:00:00.000Z"],
    ["Sunday is day 7", { "7": [["10:00", "14:00"]] }, [], "2026-06-15T07:00:00Z", "2026-06-21T09:00:00.000Z"],
    ["a lunch break", weekdays([["09:00", "12:00"], ["13:00", "17:00"]]), [], "2026-06-15T11:30:00Z", "2026-06-15T12:00:00.000Z"],
    ["ranges in any order", weekdays([["13:00", "17:00"], ["09:00", "12:00"]]), [], "2026-06-15T06:00:00Z", "2026-06-15T08:00:00.000Z"],
    ["a holiday is skipped", nineToFive, ["2026-06-15"], "2026-06-13T10:00:00Z", "2026-06-16T08:00:00.000Z"],
    ["holidays over a long weekend", nineToFive, ["2026-12-25", "2026-12-28"], "2026-12-24T17:00:00Z", "2026-12-29T09:00:00.000Z"],
    ["a holiday that has passed changes nothing", nineToFive, ["2026-06-12"], "2026-06-13T10:00:00Z", "2026-06-15T08:00:00.000Z"],
  ] as [string, BusinessHours, string[], string, string][])("London: %s", (_, businessHours, holidays, from, expected) => {
    expect(next(from, rules("Europe/London", { businessHours, holidays }))).toBe(expected);
  });

  it("takes a holiday as the business's local date, not UTC's", () => {
    // Monday 6 July in Auckland begins at 12:00 UTC on Sunday the 5th.
    const r = rules("Pacific/Auckland", { holidays: ["2026-07-06"] });
    expect(next("2026-07-05T12:00:00Z", r)).toBe("2026-07-06T21:00:00.000Z");
  });

  it("runs through 24:00 into the next day's 00:00", () => {
    const r = rules("UTC", {
      businessHours: { "5": [["18:00", "24:00"]], "6": [["00:00", "02:00"]] },
      callingHours: { start: "00:00", end: "24:00" },
    });
    expect(next("2026-06-12T23:59:59Z", r)).toBe("2026-06-12T23:59:59.000Z");
    expect(next("2026-06-13T00:00:00Z", r)).toBe("2026-06-13T00:00:00.000Z");
    expect(next("2026-06-13T02:00:00Z", r)).toBe("2026-06-19T18:00:00.000Z");
  });

  const mondays = (count: number) => Array.from({ length: count }, (_, k) => new Date(Date.UTC(2026, 0, 5 + 7 * k)).toISOString().slice(0, 10));
  it.each([
    ["no hours at all", rules("UTC", { businessHours: {} }), null],
    ["hours that never meet the lead's", rules("UTC", { businessHours: days(["1", "2", "3", "4", "5", "6", "7"], [["03:00", "04:00"]]), leadTimeZone: "America/New_York" }), null],
    ["a first opening 392 days ahead", rules("UTC", { businessHours: { "1": [["09:00", "10:00"]] }, holidays: mondays(56) }), "2027-02-01T09:00:00.000Z"],
    ["a first opening beyond 400 days", rules("UTC", { businessHours: { "1": [["09:00", "10:00"]] }, holidays: mondays(58) }), null],
  ])("%s", (_, r, expected) => {
    expect(next("2026-01-05T00:00:00Z", r)).toBe(expected);
  });

  it.each([
    ["9:00", "17:00"],
    ["09:00", "25:00"],
    ["17:00", "09:00"],
    ["09:00", "09:00"],
    ["24:00", "24:00"],
  ] as [string, string][])("refuses the range %s–%s", (start, end) => {
    expect(() => nextCallableTime(new Date(), rules("UTC", { businessHours: { "1": [[start, end]] } }))).toThrow(RangeError);
  });
});

describe("isCallable", () => {
  const london = rules("Europe/London", { leadTimeZone: "America/Los_Angeles" });
  it.each([
    ["2026-04-06T14:59:59.999Z", false],
    ["2026-04-06T15:00:00.000Z", true],
    ["2026-04-06T15:59:59.999Z", true],
    ["2026-04-06T16:00:00.000Z", false],
    ["2026-04-11T15:30:00.000Z", false], // Saturday
  ])("%s → %s", (at, expected) => {
    expect(isCallable(new Date(at), london)).toBe(expected);
  });
});

describe("retryTime", () => {
  const open = rules("UTC", { businessHours: always, leadTimeZone: "UTC" });
  const after = new Date("2026-06-10T12:00:00Z");

  it.each([
    [1, "2026-06-10T12:02:00.000Z"],
    [2, "2026-06-10T12:10:00.000Z"],
    [3, "2026-06-10T12:30:00.000Z"],
    [4, "2026-06-10T14:00:00.000Z"],
    [5, "2026-06-10T14:00:00.000Z"], // the last interval repeats
    [9, "2026-06-10T14:00:00.000Z"],
  ])("after %i attempts, the defaults wait until %s", (attempts, expected) => {
    expect(retryTime(after, attempts, defaultRetryIntervalsSeconds, open)?.toISOString()).toBe(expected);
  });

  it.each([
    ["inside the window", open, "2026-06-10T20:50:00Z", 1, "2026-06-10T20:52:00.000Z"],
    ["pushed past 21:00 to 08:00", open, "2026-06-10T20:50:00Z", 2, "2026-06-11T08:00:00.000Z"],
    ["pushed past Friday's close to Monday", rules("Europe/London"), "2026-06-12T15:50:00Z", 2, "2026-06-15T08:00:00.000Z"],
  ])("%s", (_, r, from, attempts, expected) => {
    expect(retryTime(new Date(from), attempts, defaultRetryIntervalsSeconds, r)?.toISOString()).toBe(expected);
  });

  it("repeats a one-interval list", () => {
    expect(retryTime(after, 3, [60], open)?.toISOString()).toBe("2026-06-10T12:01:00.000Z");
  });

  it("is null when the schedule never opens", () => {
    expect(retryTime(after, 1, [60], rules("UTC", { businessHours: {} }))).toBeNull();
  });

  it.each([
    [0, [60]],
    [1.5, [60]],
    [1, []],
  ])("refuses %s attempts with intervals %j", (attempts, intervals) => {
    expect(() => retryTime(after, attempts, intervals, open)).toThrow(RangeError);
  });
});

describe("against a clock-by-clock scan", () => {
  // An independent reading of the rules: step through time a quarter-hour at a time and ask each
  // zone's wall clock directly. Ranges here open at 06:00 or later, clear of the hours that DST
  // changes skip or repeat, where the two readings differ by design (see zonedInstant).
  const zones = ["UTC", "America/New_York", "America/Los_Angeles", "Europe/London", "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland"];
  const quarter = 15 * 60_000;
  const span = 10 * 96; // ten days of quarters

  let seed = 20260308;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hhmm = (quarters: number) => `${String(Math.floor(quarters / 4)).padStart(2, "0")}:${String((quarters % 4) * 15).padStart(2, "0")}`;

  const cases = Array.from({ length: 60 }, (_, n) => {
    const businessHours: BusinessHours = {};
    for (const day of ["1", "2", "3", "4", "5", "6", "7"] as Day[]) {
      if (random() < 0.3) continue;
      const open = 24 + Math.floor(random() * 60); // 06:00 to 20:45
      const close = open + 1 + Math.floor(random() * (96 - open)); // up to 24:00
      businessHours[day] = [[hhmm(open), hhmm(close)]];
    }
    // Around the 2026 changes in the northern and southern hemispheres.
    const from = pick([Date.UTC(2026, 2, 4), Date.UTC(2026, 2, 25), Date.UTC(2026, 3, 2), Date.UTC(2026, 8, 24), Date.UTC(2026, 9, 22)]) + Math.floor(random() * 7 * 96) * quarter;
    const holidays = random() < 0.5 ? [new Date(from + Math.floor(random() * 5) * 86_400_000).toISOString().slice(0, 10)] : [];
    const r = rules(pick(zones), { businessHours, holidays, leadTimeZone: random() < 0.3 ? null : pick(zones) });
    return [n, r, from] as const;
  });

  function callableByClock(at: number, r: CallingRules): boolean {
    const b = wallTime(new Date(at), r.businessTimeZone);
    const date = `${b.year}-${String(b.month).padStart(2, "0")}-${String(b.day).padStart(2, "0")}`;
    const minute = hhmm(b.hour * 4 + b.minute / 15);
    const open = !r.holidays.includes(date) && (r.businessHours[String(b.weekday) as Day] ?? []).some(([s, e]) => s <= minute && minute < e);
    const lead = wallTime(new Date(at), r.leadTimeZone ?? r.businessTimeZone);
    return open && lead.hour >= 8 && lead.hour < 21;
  }

  it.each(cases)("case %i agrees", (_, r, from) => {
    let expected: string | null = null;
    for (let i = 0; i < span && expected === null; i++) {
      if (callableByClock(from + i * quarter, r)) expected = new Date(from + i * quarter).toISOString();
    }
    const got = nextCallableTime(new Date(from), r);
    const withinScan = got && got.getTime() < from + span * quarter ? got.toISOString() : null;
    expect(withinScan).toBe(expected);
    expect(isCallable(new Date(from), r)).toBe(callableByClock(from, r));
  });
});
