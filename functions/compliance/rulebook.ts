import { z } from "zod";
import { isoDate, isoWeekday, type LocalDate } from "../lib/zoned-time.ts";
import { hhmm, rangeOf } from "../lib/windows.ts";
import { type HolidayCalendar, holidaysOf } from "./holidays.ts";
import book from "./rulebook.json" with { type: "json" };

// The rulebook: the laws that say when a lead may be called, as data (rulebook.json). Each rule
// names its region, its hours by weekday, the holidays it bans calls on, its cap on calls, its
// citation, sources and effective date. It is parsed once per isolate; a malformed book fails
// the Worker's first request and the tests, never a single decision quietly.

const hhmmText = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "is not HH:MM");
const Range = z.tuple([hhmmText, hhmmText]);
const isoDateText = z.iso.date();
const dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const dayKey = z.string().regex(/^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$/, "is not a day or a span of days, e.g. mon-fri");

const HolidayDay = z.strictObject({
  name: z.string().min(1),
  month: z.number().int().min(1).max(12).optional(),
  day: z.number().int().min(1).max(31).optional(),
  weekday: z.number().int().min(1).max(7).optional(),
  nth: z.union([z.number().int().min(1).max(5), z.literal(-1)]).optional(),
  offset: z.number().int().optional(),
  easter: z.number().int().optional(),
  years: z.enum(["even", "odd"]).optional(),
  observance: z.enum(["none", "nearest", "monday", "sunday", "week-monday"]).optional(),
});

const Calendar = z.strictObject({
  name: z.string(),
  citation: z.string().min(1),
  sources: z.array(z.url()).min(1),
  observance: z.enum(["none", "nearest", "monday", "sunday", "week-monday"]),
  days: z.array(HolidayDay).min(1),
  notes: z.string().optional(),
});

const Rule = z.strictObject({
  id: z.string().regex(/^[A-Z]{2}(-[A-Za-z0-9.-]+)?$/),
  region: z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, "is not an ISO 3166 code"),
  name: z.string().min(1),
  citation: z.string().min(1),
  sources: z.array(z.url()).min(1),
  effective_from: isoDateText.nullable(),
  effective_note: z.string().optional(),
  hours: z.record(dayKey, z.array(Range)),
  special_hours: z.strictObject({ holiday_eve: z.array(Range) }).optional(),
  no_calls_on_holidays: z.string().optional(),
  cap: z.strictObject({ calls: z.number().int().min(1), hours: z.number().int().min(1), qualifier: z.string() }).optional(),
  clock: z.string().optional(),
  confidence: z.enum(["high", "medium"]),
  notes: z.string().optional(),
});

const Book = z
  .strictObject({
    version: z.string().min(1),
    compiled: isoDateText,
    // sha256 of the calendars and rules: a test fails on any edit that did not also change the
    // version and this, so no decision records a version that does not name its rules.
    content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    about: z.string(),
    holiday_calendars: z.record(z.string(), Calendar),
    rules: z.array(Rule).min(1),
  })
  .superRefine((value, ctx) => {
    for (const [index, rule] of value.rules.entries()) {
      if (rule.no_calls_on_holidays && !value.holiday_calendars[rule.no_calls_on_holidays]) {
        ctx.addIssue({ code: "custom", path: ["rules", index, "no_calls_on_holidays"], message: `no holiday calendar ${rule.no_calls_on_holidays}` });
      }
      if (rule.effective_from === null && !rule.effective_note) {
        ctx.addIssue({ code: "custom", path: ["rules", index, "effective_note"], message: "a rule without an effective date must say why" });
      }
    }
    const ids = value.rules.map((rule) => rule.id);
    if (new Set(ids).size !== ids.length) ctx.addIssue({ code: "custom", path: ["rules"], message: "rule ids must be unique" });
  });

export type RuleData = z.infer<typeof Rule>;

/** A rule ready to apply: its hours by ISO weekday, in minutes. */
export type Rule = RuleData & {
  /** ISO weekday (1–7) → ranges; a weekday that is missing has no calls. */
  week: Map<number, [number, number][]>;
  eve: [number, number][] | null;
  holidays: HolidayCalendar | null;
};

const parsed = Book.parse(book);

export const rulebookVersion: string = parsed.version;

export const rules: readonly Rule[] = parsed.rules.map((data) => ({
  ...data,
  week: weekOf(data),
  eve: data.special_hours ? data.special_hours.holiday_eve.map((range) => rangeOf(range, `${data.id} holiday_eve`)) : null,
  holidays: data.no_calls_on_holidays ? calendarNamed(data.no_calls_on_holidays) : null,
}));

// The book's refinement checked that every calendar a rule names is there.
function calendarNamed(name: string): HolidayCalendar {
  const calendar = parsed.holiday_calendars[name];
  if (!calendar) throw new Error(`rulebook: no holiday calendar ${name}`);
  return calendar;
}

export const holidayCalendars = parsed.holiday_calendars;

function weekOf(rule: RuleData): Map<number, [number, number][]> {
  const week = new Map<number, [number, number][]>();
  for (const [key, ranges] of Object.entries(rule.hours)) {
    const [first, last = first] = key.split("-");
    const from = weekdayOf(rule, first);
    const to = weekdayOf(rule, last);
    if (to < from) throw new Error(`rulebook: ${rule.id}: the days ${key} run backwards`);
    for (let day = from; day <= to; day++) {
      if (week.has(day)) throw new Error(`rulebook: ${rule.id}: day ${dayNames[day - 1]} has hours twice`);
      week.set(day, ranges.map((range) => rangeOf(range, `${rule.id} ${key}`)).sort((a, b) => a[0] - b[0]));
    }
  }
  return week;
}

/** The ISO weekday (1–7) of a day's name in the book ("mon"); dayKey's pattern admits no other. */
function weekdayOf(rule: RuleData, name: string | undefined): number {
  for (const [index, day] of dayNames.entries()) if (day === name) return index + 1;
  throw new Error(`rulebook: ${rule.id}: ${name} is not a day`);
}

/** The rules for a lead in `regions` (["US", "US-FL"]) in force at `at`. */
export function rulesFor(regions: readonly string[], at: Date): Rule[] {
  const day = at.toISOString().slice(0, 10);
  return rules.filter((rule) => regions.includes(rule.region) && (rule.effective_from === null || rule.effective_from <= day));
}

// Holiday dates by calendar and year, computed once per isolate.
const holidayYears = new Map<string, Map<string, string>>();

/**
 * The name of the holiday `date` is, in the rule's calendar; null on other days. The years on
 * either side count too: New Year's Day on a Saturday is observed on the Friday before it.
 */
export function holidayOn(rule: Rule, date: LocalDate): string | null {
  if (!rule.holidays) return null;
  const day = isoDate(date);
  for (const year of [date.year, date.year + 1, date.year - 1]) {
    const key = `${rule.no_calls_on_holidays} ${year}`;
    let dates = holidayYears.get(key);
    if (!dates) {
      dates = holidaysOf(rule.holidays, year);
      holidayYears.set(key, dates);
    }
    const name = dates.get(day);
    if (name) return name;
  }
  return null;
}

export type DayRule = { ranges: readonly [number, number][]; ban: string | null };

/** What a rule allows on one local date: its ranges, or none with the reason for the ban. */
export function ruleOn(rule: Rule, date: LocalDate, next: LocalDate): DayRule {
  const holiday = holidayOn(rule, date);
  if (holiday) return { ranges: [], ban: holiday };
  const weekday = isoWeekday(date);
  const ranges = rule.week.get(weekday);
  if (!ranges) return { ranges: [], ban: dayLongName(weekday) };
  if (rule.eve && holidayOn(rule, next)) return { ranges: intersect(ranges, rule.eve), ban: null };
  return { ranges, ban: null };
}

const dayLongNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function dayLongName(weekday: number): string {
  const name = dayLongNames[weekday - 1];
  if (name === undefined) throw new Error(`rulebook: ${weekday} is not an ISO weekday`);
  return name;
}

function intersect(a: readonly [number, number][], b: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [s1, e1] of a) for (const [s2, e2] of b) if (Math.max(s1, s2) < Math.min(e1, e2)) out.push([Math.max(s1, s2), Math.min(e1, e2)]);
  return out.sort((x, y) => x[0] - y[0]);
}

/** "US-FL 08:00-20:00": a rule's hours on a day, as holds name them. */
export function ruleLabel(rule: Rule, ranges: readonly [number, number][]): string {
  return `${rule.region} ${ranges.length ? ranges.map(([s, e]) => `${hhmm(s)}-${hhmm(e)}`).join(", ") : "no calls"}`;
}
