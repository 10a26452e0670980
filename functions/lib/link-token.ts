import { LinkTokenPayload } from "../../schemas/links.ts";
import { fromBase64Url, toBase64Url } from "./base64url.ts";
import type { Keyring } from "./secrets.ts";
import { utf8 } from "./signing.ts";

// A signed link's token: <key id>.<payload>.<mac>, each part URL-safe.
//   key id   the SECRETS_KEYS key the MAC key was derived from (HKDF, purpose below), so a token
//            made before a keyring rotation still verifies while its key stays in the keyring
//   payload  base64url of compact JSON {v, l: link id, d: domain id, p: fixed fields, e: expiry}
//   mac      base64url of HMAC-SHA256 over "rb-link.<key id>.<payload>" (all 32 bytes)
// The MAC is checked before the payload is parsed, so nothing a stranger made is ever read. The
// payload's fields are sorted, so the same link always has the same token.

const purpose = "ringback link token v1";
const maxTokenLength = 4096;

export type LinkFacts = { linkId: string; domainId: string; params: Record<string, string>; expiresAt: Date };

/** The token of a link, signed with the keyring key `keyId` (the current one for a new link); null if the keyring no longer holds it. */
export async function signLink(keyring: Keyring, keyId: string, link: LinkFacts): Promise<string | null> {
  const key = keyring.derivedHmacKey(keyId, purpose);
  if (!key) return null;
  const params: Record<string, string> = Object.create(null);
  for (const name of Object.keys(link.params).sort()) params[name] = link.params[name] ?? "";
  const payload: LinkTokenPayload = { v: 1, l: link.linkId, d: link.domainId, p: params, e: Math.floor(link.expiresAt.getTime() / 1000) };
  const body = toBase64Url(utf8(JSON.stringify(payload)));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, signed(keyId, body)));
  return `${keyId}.${body}.${toBase64Url(mac)}`;
}

/**
 * The payload of a token this Worker signed, or null for anything else: garbled, altered, or
 * signed under a key the keyring no longer holds. Expiry is the caller's to judge (410, not 404).
 */
export async function verifyLinkToken(keyring: Keyring, token: string): Promise<LinkTokenPayload | null> {
  if (token.length > maxTokenLength) return null;
  const [keyId, body, mac, ...rest] = token.split(".");
  if (!keyId || !body || !mac || rest.length > 0) return null;
  const key = keyring.derivedHmacKey(keyId, purpose);
  const macBytes = decode(mac);
  if (!key || !macBytes || macBytes.length !== 32) return null;
  // crypto.subtle.verify compares in constant time.
  if (!(await crypto.subtle.verify("HMAC", await key, macBytes, signed(keyId, body)))) return null;
  const bytes = decode(body);
  if (!bytes) return null;
  try {
    const parsed = LinkTokenPayload.safeParse(JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // signed by us, so never; but a token is read as a stranger's until proven otherwise
  }
}

/**
 * base64url's bytes, or null (atob throws on a length no encoder makes). Only the one encoding
 * toBase64Url writes is read: atob ignores the unused low bits of the last character, so without
 * this, four spellings of every MAC would verify and a token could be altered and still work.
 */
function decode(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const bytes = fromBase64Url(text);
    return bytes && toBase64Url(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

const signed = (keyId: string, body: string) => utf8(`rb-link.${keyId}.${body}`);
