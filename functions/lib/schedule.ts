// When a callback may be dialled: while the domain's business is open and while it is lawful to
// call the lead in the lead's own time (TCPA: 08:00 to 21:00). Both are weekly wall-clock
// windows in different zones; a day's range is taken as the span between the instants its two
// ends first occur (see zonedInstant), so DST changes move it correctly on the UTC line.
import type { BusinessHours } from "../../db/schema/domains.ts";
import { addDays, isoDate, isoWeekday, type LocalDate, wallTime, zonedInstant } from "./zoned-time.ts";

export type CallingRules = {
  businessHours: BusinessHours;
  businessTimeZone: string;
  /** YYYY-MM-DD in the business's zone, closed all day. */
  holidays: string[];
  /** Null means the lead is taken to be in the business's zone. */
  leadTimeZone: string | null;
  /** When the lead may be called, in the lead's zone; start inclusive, end exclusive. */
  callingHours?: { start: string; end: string };
};

export const defaultCallingHours = { start: "08:00", end: "21:00" } as const;

export const defaultRetryIntervalsSeconds = [120, 600, 1800, 7200] as const;

/** How far ahead to look before deciding a schedule never opens. */
const horizonDays = 400;

type Interval = { start: number; end: number };

/** The earliest instant at or after `from` inside both windows, or null if none within 400 days. */
export function nextCallableTime(from: Date, rules: CallingRules): Date | null {
  const limit = from.getTime() + horizonDays * 86_400_000;
  const business = openIntervals(from, rules.businessTimeZone, businessRanges(rules));
  const calling = rules.callingHours ?? defaultCallingHours;
  const callingRange = [parseRange([calling.start, calling.end], "calling hours")];
  const lead = openIntervals(from, rules.leadTimeZone ?? rules.businessTimeZone, () => callingRange);

  // Walk both sorted interval lists: drop whichever interval ends first until two overlap.
  let t = from.getTime();
  let b = nextEndingAfter(business, t);
  let l = nextEndingAfter(lead, t);
  while (b && l) {
    const start = Math.max(t, b.start, l.start);
    if (start >= limit) return null;
    if (start < b.end && start < l.end) return new Date(start);
    t = start;
    if (b.end <= t) b = nextEndingAfter(business, t);
    if (l.end <= t) l = nextEndingAfter(lead, t);
  }
  return null;
}

/** Whether a call may be placed at `at`. */
export function isCallable(at: Date, rules: CallingRules): boolean {
  return nextCallableTime(at, rules)?.getTime() === at.getTime();
}

/**
 * When to try again after `attemptsMade` (≥ 1) attempts: the interval for this retry after
 * `after` (the last interval repeats once the list runs out), held to the next allowed instant.
 * How many attempts are allowed at all is the caller's rule, not this one's.
 */
export function retryTime(after: Date, attemptsMade: number, intervalsSeconds: readonly number[], rules: CallingRules): Date | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError(`attemptsMade must be a whole number ≥ 1, got ${attemptsMade}`);
  const seconds = intervalsSeconds[Math.min(attemptsMade, intervalsSeconds.length) - 1];
  if (seconds === undefined) throw new RangeError("intervalsSeconds is empty");
  return nextCallableTime(new Date(after.getTime() + seconds * 1000), rules);
}

/** A local date's ranges, in minutes after its midnight. */
type RangesOf = (date: LocalDate) => [number, number][];

function businessRanges(rules: CallingRules): RangesOf {
  const holidays = new Set(rules.holidays);
  const week = new Map<number, [number, number][]>();
  for (const [day, ranges] of Object.entries(rules.businessHours)) {
    const parsed = (ranges ?? []).map((range) => parseRange(range, `business hours of day ${day}`));
    // The walk in nextCallableTime needs each day's ranges in order of opening.
    week.set(Number(day), parsed.sort((a, b) => a[0] - b[0]));
  }
  return (date) => (holidays.has(isoDate(date)) ? [] : (week.get(isoWeekday(date)) ?? []));
}

/**
 * The open intervals (epoch ms) of `timeZone`'s local days, in order, from the day `from` falls
 * on through the horizon. An earlier day's ranges end by the first instant this day shows, so
 * they are already over at `from`.
 */
function* openIntervals(from: Date, timeZone: string, rangesOf: RangesOf): Generator<Interval> {
  let date: LocalDate = wallTime(from, timeZone);
  for (let i = 0; i <= horizonDays + 1; i++, date = addDays(date, 1)) {
    for (const [start, end] of rangesOf(date)) {
      const interval = { start: zonedInstant(date, start, timeZone).getTime(), end: zonedInstant(date, end, timeZone).getTime() };
      // A range wholly inside a spring-forward gap never shows on the clock.
      if (interval.end > interval.start) yield interval;
    }
  }
}

// Not for…of: leaving that loop early would close the generator.
function nextEndingAfter(intervals: Generator<Interval>, t: number): Interval | undefined {
  for (let next = intervals.next(); !next.done; next = intervals.next()) if (next.value.end > t) return next.value;
  return undefined;
}

/** ["HH:MM", "HH:MM"] → minutes after midnight; "24:00" may only end a range. */
function parseRange([start, end]: readonly [string, string], what: string): [number, number] {
  const from = parseTime(start, what);
  const to = parseTime(end, what);
  if (to <= from) throw new RangeError(`${what}: ${start}–${end} does not run forward within one day`);
  return [from, to];
}

function parseTime(value: string, what: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/.exec(value);
  if (!match) throw new RangeError(`${what}: ${JSON.stringify(value)} is not HH:MM`);
  return match[1] === undefined ? 1440 : Number(match[1]) * 60 + Number(match[2]);
}
