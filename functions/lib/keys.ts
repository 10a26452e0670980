// API keys: `rb_live_…`/`rb_test_…` are secret keys, `rb_pk_live_…`/`rb_pk_test_…` publishable
// ones for browsers. The body is 32 base62 characters (~190 bits). Only the sha256 of a key is
// stored; the key itself is shown once, when it is made.

import type { KeyKind, Mode } from "../../schemas/scopes.ts";

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const bodyLength = 32;
const keyPattern = /^rb_(pk_)?(live|test)_([0-9A-Za-z]{32})$/;

export function keyPrefix(kind: KeyKind, mode: Mode): string {
  return kind === "secret" ? `rb_${mode}_` : `rb_pk_${mode}_`;
}

export function generateKey(kind: KeyKind, mode: Mode): string {
  let body = "";
  while (body.length < bodyLength) {
    for (const byte of crypto.getRandomValues(new Uint8Array(48))) {
      // 248 = 4 × 62: dropping bytes above it keeps every character equally likely.
      if (byte < 248 && body.length < bodyLength) body += base62[byte % 62];
    }
  }
  return keyPrefix(kind, mode) + body;
}

/** Kind and mode of a well-formed key, or null for anything else. */
export function parseKey(key: string): { kind: KeyKind; mode: Mode } | null {
  const match = keyPattern.exec(key);
  if (!match) return null;
  return { kind: match[1] ? "publishable" : "secret", mode: match[2] === "live" ? "live" : "test" };
}

export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares two strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** What is safe to show of a key: its prefix and last four characters. */
export function describeKey(key: string): { prefix: string; last4: string } {
  const parsed = parseKey(key);
  const prefix = parsed ? keyPrefix(parsed.kind, parsed.mode) : "";
  return { prefix, last4: key.slice(-4) };
}
