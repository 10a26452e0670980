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
} as const;

export type IdKind = keyof typeof idPrefixes;

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

export function newId(kind: IdKind, now = Date.now()): string {
  let time = "";
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = alphabet[t % 32] + time;
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rest = "";
  for (let i = 0; i < 16; i++) rest += alphabet[random[i]! % 32];
  return `${idPrefixes[kind]}_${time}${rest}`;
}

/** True if `value` looks like an id of `kind`; a cheap check before touching the database. */
export function isId(kind: IdKind, value: string): boolean {
  return new RegExp(`^${idPrefixes[kind]}_[0-9a-hjkmnp-tv-z]{26}$`).test(value);
}
