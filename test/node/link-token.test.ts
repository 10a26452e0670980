import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toBase64Url } from "../../functions/lib/base64url.ts";
import { signLink, verifyLinkToken } from "../../functions/lib/link-token.ts";
import { Keyring } from "../../functions/lib/secrets.ts";

// A signed link's token: verified under the keyring key that signed it, through a rotation, and
// nothing else passes: an altered part, another key's MAC, the sealing key itself, a garbled token.

const material = () => randomBytes(32).toString("base64");
const [k1, k2] = [material(), material()];
const link = { linkId: "lnk_01jd3k0000000000000000000", domainId: "dom_01jd3k0000000000000000000", params: { phone: "+14155550100", campaign: "spring" }, expiresAt: new Date("2030-01-01T00:00:00Z") };
const claims = { v: 1, l: link.linkId, d: link.domainId, p: link.params, e: 1893456000 };

describe("link tokens", () => {
  it("verify under the key that signed them, the same token every time, its fields sorted", async () => {
    const keyring = Keyring.parse(`one:${k1}`);
    const token = await signLink(keyring, "one", link);
    expect(token).toMatch(/^one\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await signLink(keyring, "one", { ...link, params: { campaign: "spring", phone: "+14155550100" } })).toBe(token);
    expect(await verifyLinkToken(keyring, token ?? "")).toEqual(claims);
  });

  it("keep working through a keyring rotation while the old key stays in the keyring, and stop when it is retired", async () => {
    const token = (await signLink(Keyring.parse(`one:${k1}`), "one", link)) ?? "";
    expect(await verifyLinkToken(Keyring.parse(`two:${k2},one:${k1}`), token)).toEqual(claims);
    expect(await verifyLinkToken(Keyring.parse(`two:${k2}`), token)).toBeNull();
    // The key id names the key: the same id with other material is another key.
    expect(await verifyLinkToken(Keyring.parse(`one:${k2}`), token)).toBeNull();
    expect(await signLink(Keyring.parse(`two:${k2}`), "one", link)).toBeNull();
  });

  it("refuse an altered payload, a MAC moved to another key id, the sealing key's own MAC, and garbage", async () => {
    const keyring = Keyring.parse(`two:${k2},one:${k1}`);
    const token = (await signLink(keyring, "one", link)) ?? "";
    const [, body, mac] = token.split(".");
    const altered = toBase64Url(new TextEncoder().encode(JSON.stringify({ ...claims, p: { phone: "+14155550999" } })));
    const raw = await crypto.subtle.importKey("raw", Buffer.from(k1, "base64"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const rawMac = toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", raw, new TextEncoder().encode(`rb-link.one.${body}`))));
    // The MAC's last character carries two unused bits: a sibling spelling of the same bytes.
    const last = mac?.at(-1) ?? "A";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sibling = `${mac?.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    expect(Buffer.from(sibling, "base64url")).toEqual(Buffer.from(mac ?? "", "base64url"));
    for (const bad of [`one.${body}.${sibling}`, `one.${altered}.${mac}`, `two.${body}.${mac}`, `one.${body}.${rawMac}`, `one.${body}`, `one.${body}.${mac}.`, "one..", "a.b.c", "x".repeat(5000), `one.${body}.${mac?.slice(1)}`, `one.${body}.%%%`]) {
      expect(await verifyLinkToken(keyring, bad)).toBeNull();
    }
  });

  it("read nothing but the payload this code writes, even when the MAC is good", async () => {
    const keyring = Keyring.parse(`one:${k1}`);
    const key = await keyring.derivedHmacKey("one", "ringback link token v1");
    const signed = async (payload: string) => {
      const body = toBase64Url(new TextEncoder().encode(payload));
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key as CryptoKey, new TextEncoder().encode(`rb-link.one.${body}`)));
      return `one.${body}.${toBase64Url(mac)}`;
    };
    expect(await verifyLinkToken(keyring, await signed(JSON.stringify(claims)))).toEqual(claims);
    for (const payload of ["not json", "[]", JSON.stringify({ ...claims, v: 2 }), JSON.stringify({ ...claims, extra: 1 }), JSON.stringify({ ...claims, p: { a: 1 } })]) {
      expect(await verifyLinkToken(keyring, await signed(payload))).toBeNull();
    }
  });
});
