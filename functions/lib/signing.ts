// Webhook signatures, with WebCrypto. Every function signs bytes, never a string that will be
// encoded again later: what is signed is exactly what goes on the wire.

const encoder = new TextEncoder();
const secretPrefix = "whsec_";

/** Bytes backed by a plain ArrayBuffer, as WebCrypto takes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** UTF-8 bytes of a string (TextEncoder always returns a fresh ArrayBuffer). */
export const utf8 = (text: string): Bytes => encoder.encode(text) as Bytes;

/** A new endpoint secret: whsec_ + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return secretPrefix + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** The HMAC key of a whsec_ secret (the base64 after the prefix), or null if it is not one. */
export function standardKey(secret: string): Bytes | null {
  if (!secret.startsWith(secretPrefix)) return null;
  try {
    const key = fromBase64(secret.slice(secretPrefix.length));
    return key.length > 0 ? key : null;
  } catch {
    return null;
  }
}

/**
 * Standard Webhooks: `v1,` + base64 HMAC-SHA256 of "id.timestamp.body" under the secret's key.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export async function standardSignature(key: Bytes, id: string, timestamp: number, body: Bytes): Promise<string> {
  const prefix = utf8(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  return `v1,${toBase64(await hmacSha256(key, signed))}`;
}

/**
 * Seed 002's style: hex HMAC-SHA256 of the body bytes, keyed with the secret string itself (as
 * `crypto.createHmac('sha256', secret)` does in the seed's receiver).
 */
export async function hexSignature(secret: string, body: Bytes): Promise<string> {
  const mac = await hmacSha256(utf8(secret), body);
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmacSha256(key: Bytes, data: Bytes): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Bytes {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
