import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Keyring, KeyringError } from "../functions/lib/secrets.ts";

/** A keyring of one fresh key, as SECRETS_KEYS takes it. */
export function newKeyring(id: string): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}

/**
 * The keyring `npm run dev` seals webhook secrets with. The database's sealed secrets open only
 * with it, so it is made on the first run and kept in `file` (.data/secrets.env: git-ignored,
 * this user only), as one SECRETS_KEYS=… line that wrangler's --env-file and a shell's
 * `export $(cat …)` both read. Nothing else holds it: it is not in the settings file wrangler is
 * given, nor printed.
 */
export function ensureDevKeyring(file: string): { created: boolean } {
  if (!existsSync(file)) {
    writeFileSync(file, `SECRETS_KEYS=${newKeyring("dev1")}\n`, { mode: 0o600, flag: "wx" });
    return { created: true };
  }
  const line = /^SECRETS_KEYS=(\S+)\n?$/.exec(readFileSync(file, "utf8"));
  try {
    if (!line) throw new KeyringError("must be one line, SECRETS_KEYS=<key id>:<base64 of 32 bytes>[,…]");
    Keyring.parse(line[1]!);
  } catch (err) {
    if (!(err instanceof KeyringError)) throw err;
    // Not replaced: a new keyring would leave every secret sealed under this one unreadable.
    throw new Error(`${file}: SECRETS_KEYS ${err.message}`);
  }
  return { created: false };
}
