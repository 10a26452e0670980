import { utf8, type Bytes } from "./signing.ts";
import { fromBase64Url as decodeBase64Url, toBase64Url } from "./base64url.ts";

// Secrets Ringback has to read back to use (the whsec_ secrets that sign webhooks) are stored
// sealed: AES-256-GCM under a key-encryption key from SECRETS_KEYS, a keyring whose first key
// seals and whose every key opens, so the keys can be rotated without a flag day. The additional
// data binds a sealed value to its column and row: copied into another row, or into the other
// secret column of its own row, it no longer opens.
//
// Stored form: enc:v1:<key id>:<iv>:<ciphertext and tag>, both base64url. A value without the
// enc: prefix is plaintext written before sealing: it opens as itself until resealSecrets()
// (functions/lib/reseal.ts) seals it under the current key.

export type SecretColumn = "webhook_endpoints.secret" | "webhook_endpoints.previous_secret" | "agents.webhook_secret";

/** Where a sealed value lives. */
export type SecretSlot = { column: SecretColumn; id: string };

/** SECRETS_KEYS is malformed. The message names the entry, never its key. */
export class KeyringError extends Error {
  override name = "KeyringError";
}

/** A stored value that does not open: an unknown key, another row's value, or an altered one. */
export class SealedSecretError extends Error {
  override name = "SealedSecretError";
}

const sealed = "enc:";
const version = "v1";
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
const keyPattern = /^[A-Za-z0-9+/]{43}=$/; // base64 of exactly 32 bytes, as `openssl rand -base64 32` prints it
export const keyringFormat = '"<key id>:<base64 of 32 random bytes>,…", the first key current';

export class Keyring {
  readonly current: string;
  // Private fields: neither JSON.stringify nor a console.log of the settings shows a key.
  readonly #material: Map<string, Bytes>;
  readonly #imported = new Map<string, Promise<CryptoKey>>();

  private constructor(material: Map<string, Bytes>) {
    this.#material = material;
    const [current] = material.keys();
    // parse() refuses a keyring without a key, so this is only a guard.
    if (current === undefined) throw new KeyringError(`is empty; it must be ${keyringFormat}`);
    this.current = current;
  }

  /** Parses SECRETS_KEYS; throws a KeyringError saying what is wrong with which entry. */
  static parse(text: string): Keyring {
    const entries = text.split(",").map((entry) => entry.trim());
    if (entries.every((entry) => entry === "")) throw new KeyringError(`is empty; it must be ${keyringFormat}`);
    const material = new Map<string, Bytes>();
    entries.forEach((entry, i) => {
      const colon = entry.indexOf(":");
      const id = entry.slice(0, colon);
      const key = entry.slice(colon + 1);
      if (colon < 0 || !keyIdPattern.test(id)) {
        throw new KeyringError(`entry ${i + 1} is not <key id>:<key> (a key id is 1 to 32 letters, digits, _ or -); the keyring is ${keyringFormat}`);
      }
      if (!keyPattern.test(key)) throw new KeyringError(`key "${id}" is not the base64 of 32 bytes (make one with: openssl rand -base64 32)`);
      if (material.has(id)) throw new KeyringError(`key id "${id}" appears twice`);
      material.set(id, Uint8Array.from(atob(key), (c) => c.charCodeAt(0)));
    });
    return new Keyring(material);
  }

  get ids(): string[] {
    return [...this.#material.keys()];
  }

  /** What every value sealed under the current key starts with. */
  get currentPrefix(): string {
    return `${sealed}${version}:${this.current}:`;
  }

  /** True when `stored` is sealed under the current key, so there is nothing to reseal. */
  isCurrent(stored: string): boolean {
    return stored.startsWith(this.currentPrefix);
  }

  async seal(plaintext: string, slot: SecretSlot): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: additionalData(this.current, slot) },
      await this.#key(this.current),
      utf8(plaintext),
    );
    return `${this.currentPrefix}${toBase64Url(iv)}:${toBase64Url(new Uint8Array(ciphertext))}`;
  }

  /** The plaintext of a stored value (a legacy plaintext value is itself). */
  async open(stored: string, slot: SecretSlot): Promise<string> {
    if (!stored.startsWith(sealed)) return stored;
    const where = `${slot.column} of ${slot.id}`;
    const [, v, id, iv, ciphertext, ...rest] = stored.split(":");
    if (v !== version || !id || !iv || !ciphertext || rest.length > 0) throw new SealedSecretError(`${where} is not sealed in a form this version reads`);
    if (!this.#material.has(id)) throw new SealedSecretError(`${where} is sealed under key "${id}", which SECRETS_KEYS does not hold`);
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: additionalData(id, slot) },
        await this.#key(id),
        fromBase64Url(ciphertext),
      );
      return new TextDecoder().decode(plaintext);
    } catch {
      throw new SealedSecretError(`${where} does not open under key "${id}": it belongs to another row or column, or was altered`);
    }
  }

  /**
   * An HMAC-SHA256 key derived from keyring key `id` with HKDF-SHA256 for one `purpose` (signed
   * links: "ringback link token v1"), so a key that seals secrets never signs anything itself,
   * and what is signed for one purpose cannot pass for another. Null when the keyring does not
   * hold `id`.
   */
  derivedHmacKey(id: string, purpose: string): Promise<CryptoKey> | null {
    const material = this.#material.get(id);
    if (!material) return null;
    const slot = `hmac:${purpose}:${id}`;
    let key = this.#imported.get(slot);
    if (!key) {
      key = crypto.subtle
        .importKey("raw", material, "HKDF", false, ["deriveKey"])
        .then((base) =>
          crypto.subtle.deriveKey(
            { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: utf8(purpose) },
            base,
            { name: "HMAC", hash: "SHA-256", length: 256 },
            false,
            ["sign", "verify"],
          ),
        );
      this.#imported.set(slot, key);
    }
    return key;
  }

  toJSON() {
    return { current: this.current, ids: this.ids };
  }

  #key(id: string): Promise<CryptoKey> {
    let key = this.#imported.get(id);
    if (!key) {
      // Callers pass the current key's id or one they checked the keyring holds.
      const material = this.#material.get(id);
      if (!material) throw new SealedSecretError(`key "${id}" is not in SECRETS_KEYS`);
      key = crypto.subtle.importKey("raw", material, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
      this.#imported.set(id, key);
    }
    return key;
  }
}

// The header's version and key id, the column and the row: what a sealed value is bound to.
const additionalData = (keyId: string, slot: SecretSlot) => utf8(`${sealed}${version}:${keyId}|${slot.column}|${slot.id}`);

function fromBase64Url(text: string): Bytes {
  const bytes = decodeBase64Url(text);
  if (!bytes) throw new SealedSecretError("not base64url");
  return bytes;
}
