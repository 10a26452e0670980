// Time zones for tests of calling hours, shared by the Worker and Node suites.

/**
 * A fixed-offset zone in which the wall clock now shows about `hour`:00, so that tests of
 * calling hours hold whenever the suite runs. Etc/GMT signs are inverted: Etc/GMT-3 is UTC+3.
 */
export function zoneAtHour(hour: number, now = new Date()): string {
  let offset = hour - now.getUTCHours(); // the zone's offset from UTC, in hours
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  // UTC, not Etc/GMT, for offset 0: the name Intl (and so Ringback) gives that zone back.
  return offset === 0 ? "UTC" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}
