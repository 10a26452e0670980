import { and, desc, eq, getTableColumns, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { agents, apiKeys, workspaces } from "../schema/index.ts";
import { newId } from "../../schemas/ids.ts";
import type { ApiKey } from "../../schemas/keys.ts";
import type { KeyKind, Owner, Scope } from "../../schemas/scopes.ts";
import { iso } from "./domains.ts";
import type { AnyDb } from "./sealed-secrets.ts";
import { onlyRow } from "./rows.ts";

/**
 * The key with this hash, its workspace, and the agent it acts for: the one named by `agentId`
 * (X-Agent-ID) if that belongs to the key's workspace and mode, else the key's own agent. One
 * statement, so authentication is one round trip.
 */
export async function findKey(db: Db, keyHash: string, agentId: string | null) {
  const agentMatches = and(
    eq(agents.id, agentId ?? apiKeys.agentId),
    eq(agents.workspaceId, apiKeys.workspaceId),
    eq(agents.mode, apiKeys.mode),
  );
  const rows = await db
    .select({ key: apiKeys, workspace: workspaces, agent: agents })
    .from(apiKeys)
    .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
    .leftJoin(agents, agentMatches)
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  return rows[0] ?? null;
}

/** Records use of a key, at most once a minute, so busy keys do not write on every request. */
export async function touchKey(db: Db, keyId: string): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, keyId),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)),
      ),
    );
}

// The management API's reads and writes of keys (/v1/keys, the console, `npm run admin -- key …`),
// scoped to a workspace and mode, on either driver. None of them reads a key's hash back.

// Every column but the hash.
const { keyHash: _hash, ...shown } = getTableColumns(apiKeys);

/** A key's row without its hash: all that is ever read back of it. */
export type KeyRow = Omit<typeof apiKeys.$inferSelect, "keyHash">;

export type KeyFilters = { kind?: KeyKind; revoked?: boolean; before?: string };

const ownedKeys = (owner: Owner) => and(eq(apiKeys.workspaceId, owner.workspaceId), eq(apiKeys.mode, owner.mode));

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listKeys(db: AnyDb, owner: Owner, filters: KeyFilters, limit: number): Promise<KeyRow[]> {
  return db
    .select(shown)
    .from(apiKeys)
    .where(
      and(
        ownedKeys(owner),
        filters.kind ? eq(apiKeys.kind, filters.kind) : undefined,
        filters.revoked === undefined ? undefined : filters.revoked ? isNotNull(apiKeys.revokedAt) : isNull(apiKeys.revokedAt),
        filters.before ? lt(apiKeys.id, filters.before) : undefined,
      ),
    )
    .orderBy(desc(apiKeys.id))
    .limit(limit + 1);
}

/** The caller's key with this id, or null (also another workspace's or mode's). */
export async function findApiKey(db: AnyDb, owner: Owner, id: string): Promise<KeyRow | null> {
  const [row] = await db.select(shown).from(apiKeys).where(and(ownedKeys(owner), eq(apiKeys.id, id)));
  return row ?? null;
}

/** A key to store: its hash and what may be shown of it, never the key (functions/lib/issue-key.ts makes it). */
export type NewKey = {
  kind: KeyKind;
  name: string | null;
  keyHash: string;
  prefix: string;
  last4: string;
  scopes: Scope[];
  agentId: string | null;
  allowedOrigins: string[];
};

export async function insertKey(db: AnyDb, owner: Owner, key: NewKey): Promise<KeyRow> {
  const row = { ...key, id: newId("apiKey"), workspaceId: owner.workspaceId, mode: owner.mode };
  return onlyRow(await db.insert(apiKeys).values(row).returning(shown), "insertKey");
}

/**
 * Revokes the caller's key: from now on it is refused (401). Revoking a revoked key keeps the
 * time it was first revoked. Null when the key is not the caller's.
 */
export async function revokeApiKey(db: AnyDb, owner: Owner, id: string): Promise<KeyRow | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(and(ownedKeys(owner), eq(apiKeys.id, id)))
    .returning(shown);
  return row ?? null;
}

/** A key as the API shows it (schemas/keys.ts ApiKey): never the key or its hash. */
export function keyJson(row: KeyRow): ApiKey {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    prefix: row.prefix,
    last4: row.last4,
    scopes: row.scopes as Scope[],
    agent_id: row.agentId,
    allowed_origins: row.allowedOrigins,
    mode: row.mode,
    created_at: iso(row.createdAt),
    last_used_at: row.lastUsedAt ? iso(row.lastUsedAt) : null,
    revoked_at: row.revokedAt ? iso(row.revokedAt) : null,
  };
}
