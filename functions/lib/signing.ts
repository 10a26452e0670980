// Webhook signatures, with WebCrypto. Every function signs bytes, never a string that will be
// encoded again later: what is signed is exactly what goes on the wire.

const encoder = new TextEncoder();
const secretPrefix = "whsec_";

/** A new endpoint secret: whsec_ + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return secretPrefix + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** The HMAC key of a whsec_ secret (the base64 after the prefix), or null if it is not one. */
export function standardKey(secret: string): Uint8Array | null {
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
export async function standardSignature(key: Uint8Array, id: string, timestamp: number, body: Uint8Array): Promise<string> {
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  return `v1,${toBase64(await hmacSha256(key, signed))}`;
}

/**
 * Seed 002's style: hex HMAC-SHA256 of the body bytes, keyed with the secret string itself (as
 * `crypto.createHmac('sha256', secret)` does in the seed's receiver).
 */
export async function hexSignature(secret: string, body: Uint8Array): Promise<string> {
  const mac = await hmacSha256(encoder.encode(secret), body);
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
