import { addDays, type LocalDate, wallTime, zonedInstant } from "./zoned-time.ts";

// Weekly windows in different time zones, and the first instant at which all of them are open.
// A window is a wall-clock schedule in one zone: each local date has its open ranges (none on a
// closed day). A day's range is the span between the instants its two ends first occur
// (zonedInstant), so DST changes move it correctly on the UTC line, and a range that falls
// wholly inside a spring-forward gap never opens.

export type Window = {
  timeZone: string;
  /** That local date's open ranges in minutes after midnight (end exclusive; 1440 is midnight), in order. */
  rangesOn(date: LocalDate): readonly (readonly [number, number])[];
};

type Interval = { start: number; end: number };

/** How far ahead to look before deciding that windows never open together. */
export const horizonDays = 400;

/** The earliest instant at or after `from` inside every window, or null if none within the horizon. */
export function nextOpen(from: Date, windows: readonly Window[]): Date | null {
  if (windows.length === 0) return from;
  const limit = from.getTime() + horizonDays * 86_400_000;
  let t = from.getTime();
  // Each window's open intervals, and the one of them the walk is at.
  const cursors: { stream: Generator<Interval>; current: Interval }[] = [];
  for (const window of windows) {
    const stream = openIntervals(from, window);
    const first = nextEndingAfter(stream, t);
    if (!first) return null;
    cursors.push({ stream, current: first });
  }
  // Walk the sorted interval lists together: move each past any interval that ends before the
  // latest start, until one instant lies inside all of them.
  for (;;) {
    const start = Math.max(t, ...cursors.map(({ current }) => current.start));
    if (start >= limit) return null;
    if (cursors.every(({ current }) => start < current.end)) return new Date(start);
    t = start;
    for (const cursor of cursors) {
      if (cursor.current.end > t) continue;
      const next = nextEndingAfter(cursor.stream, t);
      if (!next) return null;
      cursor.current = next;
    }
  }
}

/** Whether `window` is open at the instant `at`. */
export function isOpen(at: Date, window: Window): boolean {
  return nextOpen(at, [window])?.getTime() === at.getTime();
}

/**
 * The open intervals (epoch ms) of the window's local days, in order, from the day `from` falls
 * on through the horizon. An earlier day's ranges end by the first instant this day shows, so
 * they are already over at `from`.
 */
function* openIntervals(from: Date, window: Window): Generator<Interval> {
  let date: LocalDate = wallTime(from, window.timeZone);
  for (let i = 0; i <= horizonDays + 1; i++, date = addDays(date, 1)) {
    for (const [start, end] of window.rangesOn(date)) {
      const interval = { start: zonedInstant(date, start, window.timeZone).getTime(), end: zonedInstant(date, end, window.timeZone).getTime() };
      if (interval.end > interval.start) yield interval;
    }
  }
}

// Not for…of: leaving that loop early would close the generator.
function nextEndingAfter(intervals: Generator<Interval>, t: number): Interval | undefined {
  for (let next = intervals.next(); !next.done; next = intervals.next()) if (next.value.end > t) return next.value;
  return undefined;
}

/** "HH:MM" → minutes after midnight; "24:00" (1440) may only end a range. */
export function minutesOf(value: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/.exec(value);
  if (!match) throw new RangeError(`${JSON.stringify(value)} is not HH:MM`);
  return match[1] === undefined ? 1440 : Number(match[1]) * 60 + Number(match[2]);
}

/** ["HH:MM", "HH:MM"] → minutes, checked to run forward within one day. */
export function rangeOf([start, end]: readonly [string, string], what: string): [number, number] {
  const range: [number, number] = [minutesOf(start), minutesOf(end)];
  if (range[1] <= range[0] || range[0] === 1440) throw new RangeError(`${what}: ${start}–${end} does not run forward within one day`);
  return range;
}

/** Minutes after midnight → "HH:MM". */
export const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
