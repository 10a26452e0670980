// The schedules a callback waits for, as windows (./windows.ts): the domain's business hours in
// its zone, and calling hours in a lead's zone. The dialler's full decision, with the rulebook's
// windows in every zone the lead may be in, is functions/compliance/decide.ts; this module gives
// it the two plain windows, and keeps the two-zone form the schedule tests use.
import type { BusinessHours } from "../../db/schema/domains.ts";
import { nextOpen, rangeOf, type Window } from "./windows.ts";
import { isoDate, isoWeekday } from "./zoned-time.ts";

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

/** The domain's weekly hours in its zone, closed on its holidays. */
export function businessWindow(businessHours: BusinessHours, timeZone: string, holidays: readonly string[]): Window {
  const closed = new Set(holidays);
  const week = new Map<number, [number, number][]>();
  for (const [day, ranges] of Object.entries(businessHours)) {
    const parsed = (ranges ?? []).map((range) => rangeOf(range, `business hours of day ${day}`));
    // The walk in nextOpen needs each day's ranges in order of opening.
    week.set(Number(day), parsed.sort((a, b) => a[0] - b[0]));
  }
  return { timeZone, rangesOn: (date) => (closed.has(isoDate(date)) ? [] : (week.get(isoWeekday(date)) ?? [])) };
}

/** The same range every day in one zone (calling hours). */
export function dailyWindow(timeZone: string, hours: { start: string; end: string }, what = "calling hours"): Window {
  const ranges = [rangeOf([hours.start, hours.end], what)];
  return { timeZone, rangesOn: () => ranges };
}

function windowsOf(rules: CallingRules): Window[] {
  return [
    businessWindow(rules.businessHours, rules.businessTimeZone, rules.holidays),
    dailyWindow(rules.leadTimeZone ?? rules.businessTimeZone, rules.callingHours ?? defaultCallingHours),
  ];
}

/** The earliest instant at or after `from` inside both windows, or null if none within 400 days. */
export function nextCallableTime(from: Date, rules: CallingRules): Date | null {
  return nextOpen(from, windowsOf(rules));
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
  return nextCallableTime(retryDue(after, attemptsMade, intervalsSeconds), rules);
}

/** The instant a retry is due, before any window holds it. */
export function retryDue(after: Date, attemptsMade: number, intervalsSeconds: readonly number[]): Date {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError(`attemptsMade must be a whole number ≥ 1, got ${attemptsMade}`);
  const seconds = intervalsSeconds[Math.min(attemptsMade, intervalsSeconds.length) - 1];
  if (seconds === undefined) throw new RangeError("intervalsSeconds is empty");
  return new Date(after.getTime() + seconds * 1000);
}
