import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { agents, apiKeys, workspaces } from "../schema/index.ts";

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
