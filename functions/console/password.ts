import { fromBase64Url, toBase64Url } from "../lib/base64url.ts";

// Console passwords: PBKDF2-SHA256 through WebCrypto, the one password hash the Workers runtime
// offers natively. Workers refuse more than 100,000 iterations (a DOMException, "iteration
// counts above 100000 are not supported"), so that is the count: the most the runtime allows.
// The count is stored in each hash, so a later runtime that allows more can raise it and
// rehash at the next sign-in without invalidating anyone's password.

export const passwordIterations = 100_000;
const saltBytes = 16;
const hashBits = 256;

export async function hashPassword(password: string, iterations = passwordIterations): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes));
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/** True if `password` is the one `stored` was made from; false for any stored value it cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, count, salt, hash] = stored.split("$");
  const iterations = Number(count);
  if (scheme !== "pbkdf2-sha256" || !Number.isInteger(iterations) || iterations < 1 || !salt || !hash) return false;
  const saltValue = fromBase64Url(salt);
  const expected = fromBase64Url(hash);
  if (!saltValue || !expected) return false;
  const derived = await derive(password, saltValue, iterations);
  if (derived.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < derived.length; i++) diff |= (derived[i] ?? 0) ^ (expected[i] ?? 0);
  return diff === 0;
}

/** Whether a stored hash was made with fewer iterations than today's, and is rehashed at sign-in. */
export function needsRehash(stored: string): boolean {
  return Number(stored.split("$")[1]) < passwordIterations;
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, hashBits);
  return new Uint8Array(bits);
}

