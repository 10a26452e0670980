// Wall-clock time in IANA time zones, with Intl only (Workers have no tz library and need none).
// Offsets come from Intl.DateTimeFormat, so daylight-saving rules are whatever the runtime's ICU
// data says, the same data every other clock on the machine uses.

/** A calendar date; month 1–12. */
export type LocalDate = { year: number; month: number; day: number };

/** What a wall clock in some zone shows; weekday is ISO (1 = Monday … 7 = Sunday). */
export type WallTime = LocalDate & { hour: number; minute: number; second: number; weekday: number };

const dayMs = 86_400_000;

// One formatter per zone: building one costs far more than formatting with it, and a formatter
// holds no per-request state.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

// Wall clocks already read, by zone and second: one decision reads the same instant in the same
// zone once per window and rule (Intl's formatToParts was the largest of our own functions in
// an intake's CPU profile, bench/cpu). Capped like the offsets below.
const walls = new Map<string, WallTime>();
const maxCachedWalls = 1_000;

/** The wall clock in `timeZone` at `at` (to the second). */
export function wallTime(at: Date, timeZone: string): WallTime {
  const key = `${timeZone} ${Math.floor(at.getTime() / 1000)}`;
  let wall = walls.get(key);
  if (!wall) {
    wall = readWallTime(at, timeZone);
    if (walls.size >= maxCachedWalls) walls.clear();
    walls.set(key, wall);
  }
  return { ...wall };
}

function readWallTime(at: Date, timeZone: string): WallTime {
  const parts = new Map<Intl.DateTimeFormatPartTypes, number>();
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== "literal") parts.set(part.type, Number(part.value));
  }
  // The formatter is built to show every one of these fields.
  const field = (type: Intl.DateTimeFormatPartTypes): number => {
    const value = parts.get(type);
    if (value === undefined) throw new Error(`wallTime: Intl gave no ${type} for ${timeZone}`);
    return value;
  };
  const date = { year: field("year"), month: field("month"), day: field("day") };
  return { ...date, hour: field("hour"), minute: field("minute"), second: field("second"), weekday: isoWeekday(date) };
}

// Offsets already looked up, by zone and second. Walking a year of days asks for the same few
// instants many times over; a cap keeps the map from growing without end in a long-lived isolate.
const offsets = new Map<string, number>();
const maxCachedOffsets = 10_000;

/** Milliseconds that `timeZone` is ahead of UTC at the instant `epochMs`. */
function offsetMs(epochMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  const key = `${timeZone} ${wholeSecond}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    // Not through wallTime's cache: a walk over many days would only churn it.
    const wall = readWallTime(new Date(wholeSecond), timeZone);
    offset = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - wholeSecond;
    if (offsets.size >= maxCachedOffsets) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/**
 * The first instant at which the clock in `timeZone` shows `date` at `minutes` past midnight
 * (1440 is the next midnight). A time skipped by a spring-forward gap gives the instant the clock
 * jumps past it; a time repeated by a fall-back gives its first occurrence.
 */
export function zonedInstant(date: LocalDate, minutes: number, timeZone: string): Date {
  const midnight = Date.UTC(date.year, date.month - 1, date.day);
  const wall = midnight + minutes * 60_000;
  // Every reading of a wall time lies within 14 h of it, so the offsets at the midnights a day
  // before and two days after bracket any change that matters (zones change at most once in
  // three days). Taking them at midnights lets all of a day's times share two lookups.
  const before = offsetMs(midnight - dayMs, timeZone);
  const after = offsetMs(midnight + 2 * dayMs, timeZone);
  if (before === after) return new Date(wall - before);
  // Each offset that really holds at the instant it gives is a reading of the wall time.
  const readings = [wall - before, wall - after].filter((at) => offsetMs(at, timeZone) === wall - at);
  if (readings.length > 0) return new Date(Math.min(...readings));
  return new Date(transitionBetween(wall - after, wall - before, timeZone));
}

// In a gap, the change happens after `early` (still on the old offset) and by `late`; halve the
// span down to the first whole second that is on the new offset.
function transitionBetween(early: number, late: number, timeZone: string): number {
  const old = offsetMs(early, timeZone);
  let lo = Math.floor(early / 1000);
  let hi = Math.ceil(late / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid * 1000, timeZone) === old) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() || 7;
}

/** The date `days` after `date` (negative goes back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** YYYY-MM-DD. */
export function isoDate(date: LocalDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, "0");
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** ISO 8601 in UTC to the second, as resources write times: 2026-12-01T23:01:00Z. */
export const isoSeconds = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, "Z");
