import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { idempotencyKeys } from "../schema/index.ts";

type Scope = { workspaceId: string; mode: "live" | "test"; key: string };

const at = (s: Scope) =>
  and(eq(idempotencyKeys.workspaceId, s.workspaceId), eq(idempotencyKeys.mode, s.mode), eq(idempotencyKeys.key, s.key));

/**
 * Claims a key for a request, or takes over one whose 24 hours are up or whose request died
 * without an answer (in flight for over a minute). Returns the row: ours if `claimed`, otherwise
 * the one already there (still in flight if it has no response).
 */
export async function claimKey(db: Db, scope: Scope, requestHash: string) {
  const [claimed] = await db
    .insert(idempotencyKeys)
    .values({ ...scope, requestHash, expiresAt: sql`now() + interval '24 hours'` })
    .onConflictDoUpdate({
      target: [idempotencyKeys.workspaceId, idempotencyKeys.mode, idempotencyKeys.key],
      set: { requestHash, responseStatus: null, responseHeaders: null, responseBody: null, createdAt: sql`now()`, expiresAt: sql`now() + interval '24 hours'` },
      setWhere: sql`${idempotencyKeys.expiresAt} < now()
        OR (${idempotencyKeys.responseStatus} IS NULL AND ${idempotencyKeys.createdAt} < now() - interval '1 minute')`,
    })
    .returning();
  if (claimed) return { claimed: true as const, row: claimed };
  const [existing] = await db.select().from(idempotencyKeys).where(at(scope));
  return { claimed: false as const, row: existing };
}

/** Stores the response a request got, for replay. */
export function storeResponse(db: Db, scope: Scope, status: number, headers: Record<string, string>, body: string) {
  return db
    .update(idempotencyKeys)
    .set({ responseStatus: status, responseHeaders: headers, responseBody: body })
    .where(at(scope));
}

/** Forgets a claim whose request failed on our side, so the client's retry can run. */
export function releaseKey(db: Db, scope: Scope) {
  return db.delete(idempotencyKeys).where(and(at(scope), sql`${idempotencyKeys.responseStatus} IS NULL`));
}
