import { addDays, isoDate, isoWeekday, type LocalDate } from "../lib/zoned-time.ts";

// Holiday calendars as statutes write them: a fixed date, the nth weekday of a month, a day
// counted from Easter, and the rule that moves a holiday off a weekend. A day a statute bans
// calls on is taken to be both the date itself and the day it is observed on, so whichever of
// the two a state means, no call is placed on it.

export type HolidayDay = {
  name: string;
  /** Month 1–12, for a fixed date or an nth weekday. */
  month?: number;
  /** Day of the month, for a fixed date. */
  day?: number;
  /** ISO weekday (1 = Monday) and which one: 1–5, or -1 for the last. */
  weekday?: number;
  nth?: number;
  /** Days after the nth weekday ("the Tuesday next after the first Monday in November": 1). */
  offset?: number;
  /** Days from Easter Sunday (Good Friday: -2). */
  easter?: number;
  /** Only in even or odd years (an election day). */
  years?: "even" | "odd";
  /** Overrides the calendar's observance for this day. */
  observance?: Observance;
};

/**
 * How a holiday on a weekend is moved: "nearest" (Saturday to Friday, Sunday to Monday),
 * "monday" (Saturday or Sunday to Monday), "sunday" (Sunday to Monday), "week-monday" (to the
 * Monday of its week, or the next one from a weekend: Utah's Juneteenth), or "none".
 */
export type Observance = "none" | "nearest" | "monday" | "sunday" | "week-monday";

export type HolidayCalendar = { observance: Observance; days: HolidayDay[] };

/** The holidays of `year` in a calendar, as YYYY-MM-DD → name, observed days included. */
export function holidaysOf(calendar: HolidayCalendar, year: number): Map<string, string> {
  const dates = new Map<string, string>();
  for (const day of calendar.days) {
    if (day.years === "even" && year % 2 !== 0) continue;
    if (day.years === "odd" && year % 2 === 0) continue;
    const date = dateOf(day, year);
    dates.set(isoDate(date), day.name);
    const observed = observe(date, day.observance ?? calendar.observance);
    if (!dates.has(isoDate(observed))) dates.set(isoDate(observed), `${day.name} (observed)`);
  }
  return dates;
}

function dateOf(day: HolidayDay, year: number): LocalDate {
  if (day.easter !== undefined) return addDays(easterSunday(year), day.easter);
  if (day.month === undefined) throw new RangeError(`holiday ${day.name}: no month`);
  if (day.day !== undefined) return { year, month: day.month, day: day.day };
  if (day.weekday === undefined || day.nth === undefined) throw new RangeError(`holiday ${day.name}: needs day, or weekday and nth`);
  return addDays(nthWeekday(year, day.month, day.weekday, day.nth), day.offset ?? 0);
}

function nthWeekday(year: number, month: number, weekday: number, nth: number): LocalDate {
  if (nth === -1) {
    // Day 0 of the next month is the last day of this one.
    const last = { year, month, day: new Date(Date.UTC(year, month, 0)).getUTCDate() };
    return addDays(last, -((isoWeekday(last) - weekday + 7) % 7));
  }
  const first = { year, month, day: 1 };
  return addDays(first, ((weekday - isoWeekday(first) + 7) % 7) + (nth - 1) * 7);
}

function observe(date: LocalDate, observance: Observance): LocalDate {
  const weekday = isoWeekday(date);
  switch (observance) {
    case "none":
      return date;
    case "nearest":
      return weekday === 6 ? addDays(date, -1) : weekday === 7 ? addDays(date, 1) : date;
    case "monday":
      return weekday === 6 ? addDays(date, 2) : weekday === 7 ? addDays(date, 1) : date;
    case "sunday":
      return weekday === 7 ? addDays(date, 1) : date;
    case "week-monday":
      return weekday >= 6 ? addDays(date, 8 - weekday) : addDays(date, 1 - weekday);
  }
}

/** Easter Sunday of the Gregorian calendar (the anonymous Gregorian computus). */
export function easterSunday(year: number): LocalDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { year, month, day };
}
