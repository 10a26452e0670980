import { insertKey, type KeyRow } from "../../db/queries/api-keys.ts";
import type { AnyDb } from "../../db/queries/sealed-secrets.ts";
import type { KeyKind, Owner, Scope } from "../../schemas/scopes.ts";
import { describeKey, generateKey, hashKey } from "./keys.ts";

// Making an API key, for the API (POST /v1/keys), the console and `npm run admin -- key create`:
// the key is made here, only its sha256 and what may be shown of it are stored, and the whole
// key is returned to the caller to show once. It exists nowhere else.

export type KeyRequest = {
  kind: KeyKind;
  name?: string | null;
  scopes: Scope[];
  agentId?: string | null;
  allowedOrigins?: string[];
};

/** Makes a key of `owner`'s workspace and mode; the caller has checked what it may grant. */
export async function issueKey(db: AnyDb, owner: Owner, request: KeyRequest): Promise<{ key: string; row: KeyRow }> {
  const key = generateKey(request.kind, owner.mode);
  const row = await insertKey(db, owner, {
    kind: request.kind,
    name: request.name ?? null,
    keyHash: await hashKey(key),
    ...describeKey(key),
    scopes: request.scopes,
    agentId: request.agentId ?? null,
    allowedOrigins: request.allowedOrigins ?? [],
  });
  return { key, row };
}
