import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Keyring, KeyringError, SealedSecretError, type SecretSlot } from "../../functions/lib/secrets.ts";

// The keyring that seals webhook secrets at rest: its setting, its sealed form, and what a sealed
// value is bound to.
const key = () => randomBytes(32).toString("base64");
const slot: SecretSlot = { column: "webhook_endpoints.secret", id: "we_01" };
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("SECRETS_KEYS", () => {
  it("is a list of <key id>:<base64 of 32 bytes>, the first current", () => {
    const keyring = Keyring.parse(`k2:${key()}, k1:${key()}`);
    expect(keyring.current).toBe("k2");
    expect(keyring.ids).toEqual(["k2", "k1"]);
  });

  const material = key();
  it.each([
    ["", /is empty/],
    [" , ", /is empty/],
    [material, /entry 1 is not <key id>:<key>/],
    [`k1:${key()},${material}`, /entry 2 is not <key id>:<key>/],
    [`k1:${key()},`, /entry 2 is not/],
    [`k 1:${material}`, /entry 1 is not/],
    [`${"k".repeat(33)}:${material}`, /entry 1 is not/],
    [`k1:${randomBytes(16).toString("base64")}`, /key "k1" is not the base64 of 32 bytes/],
    [`k1:${randomBytes(33).toString("base64")}`, /key "k1" is not the base64 of 32 bytes/],
    [`k1:${material.replace(/=$/, "")}`, /key "k1" is not the base64 of 32 bytes/],
    [`k1:${material.replace(/^./, "-")}`, /key "k1" is not the base64 of 32 bytes/], // base64url is not base64
    [`k1:${key()},k1:${key()}`, /key id "k1" appears twice/],
  ])("refuses %j, saying why", (text, reason) => {
    let thrown: unknown;
    try {
      Keyring.parse(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KeyringError);
    expect((thrown as Error).message).toMatch(reason);
    // and never repeats a key
    expect((thrown as Error).message).not.toContain(material.slice(0, 12));
  });

  it("shows no key when printed, logged or serialised", () => {
    const material = key();
    const keyring = Keyring.parse(`k1:${material}`);
    expect(JSON.stringify({ SECRETS_KEYS: keyring })).toBe('{"SECRETS_KEYS":{"current":"k1","ids":["k1"]}}');
    expect(inspect(keyring, { depth: 5, showHidden: true })).not.toContain(material.slice(0, 12));
  });
});

describe("sealing", () => {
  const keyring = Keyring.parse(`k1:${key()}`);

  it("stores enc:v1:<key id>:<iv>:<ciphertext>, never the plaintext, and opens it again", async () => {
    const sealed = await keyring.seal(secret, slot);
    expect(sealed).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(keyring.isCurrent(sealed)).toBe(true);
    expect(await keyring.open(sealed, slot)).toBe(secret);
    // a fresh IV each time
    expect(await keyring.seal(secret, slot)).not.toBe(sealed);
  });

  it("opens a plaintext value from before sealing as itself, and calls it not current", async () => {
    expect(await keyring.open(secret, slot)).toBe(secret);
    expect(keyring.isCurrent(secret)).toBe(false);
  });

  it.each<[string, SecretSlot]>([
    ["another row", { column: "webhook_endpoints.secret", id: "we_02" }],
    ["the other column of its row", { column: "webhook_endpoints.previous_secret", id: "we_01" }],
    ["another table", { column: "agents.webhook_secret", id: "we_01" }],
  ])("does not open in %s", async (_, elsewhere) => {
    const sealed = await keyring.seal(secret, slot);
    await expect(keyring.open(sealed, elsewhere)).rejects.toThrow(SealedSecretError);
    await expect(keyring.open(sealed, elsewhere)).rejects.toThrow(/belongs to another row or column, or was altered/);
  });

  it("does not open an altered value", async () => {
    const sealed = await keyring.seal(secret, slot);
    const [head, ciphertext] = [sealed.slice(0, sealed.lastIndexOf(":") + 1), sealed.slice(sealed.lastIndexOf(":") + 1)];
    const flipped = head + (ciphertext[0] === "A" ? "B" : "A") + ciphertext.slice(1);
    await expect(keyring.open(flipped, slot)).rejects.toThrow(/was altered/);
    await expect(keyring.open(sealed.replace("enc:v1:k1:", "enc:v1:k2:"), slot)).rejects.toThrow(/key "k2", which SECRETS_KEYS does not hold/);
    await expect(keyring.open(sealed.replace("enc:v1:", "enc:v9:"), slot)).rejects.toThrow(/not sealed in a form this version reads/);
    await expect(keyring.open(`${sealed}:x`, slot)).rejects.toThrow(/not sealed in a form/);
  });

  it("after a rotation, opens what the old key sealed, and seals under the new one", async () => {
    const material = key();
    const oldKeyring = Keyring.parse(`k1:${material}`);
    const sealed = await oldKeyring.seal(secret, slot);
    const rotated = Keyring.parse(`k2:${key()},k1:${material}`);
    expect(await rotated.open(sealed, slot)).toBe(secret);
    expect(rotated.isCurrent(sealed)).toBe(false);
    const resealed = await rotated.seal(secret, slot);
    expect(resealed).toMatch(/^enc:v1:k2:/);
    expect(rotated.isCurrent(resealed)).toBe(true);
    // the old keyring cannot open what the new key sealed, nor another key named k1 what this one did
    await expect(oldKeyring.open(resealed, slot)).rejects.toThrow(/key "k2", which SECRETS_KEYS does not hold/);
    await expect(Keyring.parse(`k1:${key()}`).open(sealed, slot)).rejects.toThrow(SealedSecretError);
  });
});
