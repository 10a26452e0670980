// Prefixed, time-sortable ids: `lead_01jd3k…`. The body is a ULID in lower-case Crockford
// base32 (48 bits of milliseconds, then 80 random bits), so ids sort by creation time and a
// reader knows what an id is from its prefix.
export const idPrefixes = {
  workspace: "ws",
  apiKey: "key",
  domain: "dom",
  agent: "agt",
  lead: "lead",
  formResponse: "fr",
  callback: "cb",
  callAttempt: "att",
  webhookEndpoint: "we",
  event: "evt",
  webhookDelivery: "whd",
  deadLetter: "dlq",
  consent: "cns",
  dialDecision: "dd",
  user: "usr",
  link: "lnk",
} as const;

export type IdKind = keyof typeof idPrefixes;

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

// Ids made in the same millisecond by one isolate count up from the last one, so an event written
// after another in the same request also sorts after it.
let lastTime = -1;
let lastRandom: number[] = [];

/** The id's first ten digits: the millisecond, most significant digit first. */
function timeDigits(ms: number): string {
  let time = "";
  for (let t = ms, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = alphabet[t % 32] + time;
  return time;
}

export function newId(kind: IdKind, now = Date.now()): string {
  const time = timeDigits(now);
  const random = now === lastTime ? increment(lastRandom) : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b % 32);
  lastTime = now;
  lastRandom = random;
  return `${idPrefixes[kind]}_${time}${random.map((d) => alphabet[d]).join("")}`;
}

/**
 * The smallest ("first") or largest ("last") id of `kind` that can be made in millisecond `ms`, so
 * a range of creation times is a range of ids (and of an index on id). Times outside what an id
 * can hold are clamped to its first or last millisecond.
 */
export function idAt(kind: IdKind, ms: number, end: "first" | "last"): string {
  const clamped = Math.min(Math.max(Math.floor(ms), 0), 2 ** 48 - 1);
  return `${idPrefixes[kind]}_${timeDigits(clamped)}${(end === "first" ? "0" : "z").repeat(16)}`;
}

/** The base-32 digits plus one, carried leftwards (all 31s wrap round to all 0s). */
function increment(digits: readonly number[]): number[] {
  let carry = 1;
  return digits
    .toReversed()
    .map((digit) => {
      const sum = digit + carry;
      carry = sum === 32 ? 1 : 0;
      return sum % 32;
    })
    .toReversed();
}

/** True if `value` looks like an id of `kind`; a cheap check before touching the database. */
export function isId(kind: IdKind, value: string): boolean {
  return new RegExp(`^${idPrefixes[kind]}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}
