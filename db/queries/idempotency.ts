import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { idempotencyKeys } from "../schema/index.ts";

export type IdempotencyScope = { workspaceId: string; mode: "live" | "test"; key: string };
/** A response as stored for replay. */
export type Answer = { status: number; headers: Record<string, string>; body: string };
/** A key's row as a request that did not claim it sees it. */
export type HeldKey = {
  requestHash: string;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  /** Claimed by the request's own write: carried out, whether or not its response arrives. */
  written: boolean;
  /** Seconds since the claim was taken. */
  ageSeconds: number;
};

const at = (s: IdempotencyScope) =>
  and(eq(idempotencyKeys.workspaceId, s.workspaceId), eq(idempotencyKeys.mode, s.mode), eq(idempotencyKeys.key, s.key));

const where = (s: IdempotencyScope) => sql`workspace_id = ${s.workspaceId} AND mode = ${s.mode}::mode AND key = ${s.key}`;

// A key may be claimed again once its 24 hours are up, or when its request died without an
// answer before its write (a claim taken before the write, in flight for over a minute). A
// claim taken by the write itself is never taken over: the request was carried out.
const reclaimable = (row: SQL) =>
  sql`(${row}.expires_at < now() OR (${row}.response_status IS NULL AND NOT ${row}.written AND ${row}.created_at < now() - interval '1 minute'))`;

type Claim = {
  /** The answer, when it is already known (a refusal given before the write). */
  answer?: Answer;
  /** Claimed by the request's own write, in its transaction. */
  written?: boolean;
  /** Claim only where this holds: a larger statement claims only if it goes on to write. */
  when?: SQL;
};

/**
 * An INSERT that claims the key for a request, or takes over a reclaimable one; it returns a
 * row (1) only if it did.
 */
export function claimStatement(scope: IdempotencyScope, requestHash: string, { answer, written = false, when = sql`true` }: Claim): SQL {
  return sql`
    INSERT INTO idempotency_keys (workspace_id, mode, key, request_hash, response_status, response_headers, response_body, written, expires_at)
    SELECT ${scope.workspaceId}, ${scope.mode}::mode, ${scope.key}, ${requestHash}, ${answer?.status ?? null}::int,
           ${answer ? JSON.stringify(answer.headers) : null}::jsonb, ${answer?.body ?? null}::text, ${written}, now() + interval '24 hours'
    WHERE ${when}
    ON CONFLICT (workspace_id, mode, key) DO UPDATE SET
      request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
      response_headers = EXCLUDED.response_headers, response_body = EXCLUDED.response_body,
      written = EXCLUDED.written, created_at = now(), expires_at = EXCLUDED.expires_at
    WHERE ${reclaimable(sql`idempotency_keys`)}
    RETURNING 1`;
}

/**
 * The key's row as it was when the statement began, as JSON, with `live`: false if it may be
 * claimed again. With `claim` (a CTE of the same statement), only if that claim did not take it.
 */
export function heldStatement(scope: IdempotencyScope, claim?: SQL): SQL {
  return sql`
    SELECT jsonb_build_object('requestHash', k.request_hash, 'responseStatus', k.response_status,
             'responseHeaders', k.response_headers, 'responseBody', k.response_body, 'written', k.written,
             'ageSeconds', extract(epoch FROM now() - k.created_at)) AS row,
           NOT ${reclaimable(sql`k`)} AS live
    FROM idempotency_keys k WHERE ${where(scope)}${claim ? sql` AND NOT EXISTS (SELECT 1 FROM ${claim})` : sql``}`;
}

/**
 * Claims a key before a request runs (every POST but intake, which claims in its write), or finds
 * the live row already there: still in flight if it has no response; none if a request still in
 * flight has not committed its claim yet. One statement, so a replay is one round trip too: the
 * row already there is read in the same snapshot the claim was refused in.
 */
export function claimKey(db: Db, scope: IdempotencyScope, requestHash: string): Promise<{ claimed: true } | { claimed: false; row: HeldKey | undefined }> {
  return claimOrHeld(db, scope, requestHash);
}

/**
 * For a request answered before it reached its write: stores that answer as the key's first,
 * unless a live row is already there, which is returned for the request to be answered from.
 */
export async function recordAnswer(db: Db, scope: IdempotencyScope, requestHash: string, answer: Answer): Promise<HeldKey | undefined> {
  const found = await claimOrHeld(db, scope, requestHash, answer);
  return found.claimed ? undefined : found.row;
}

async function claimOrHeld(db: Db, scope: IdempotencyScope, requestHash: string, answer?: Answer) {
  const { rows } = await db.execute<{ claimed: boolean; row: HeldKey | null }>(sql`
    WITH claim AS (${claimStatement(scope, requestHash, { answer })}),
         held AS (${heldStatement(scope, sql`claim`)})
    SELECT EXISTS (SELECT 1 FROM claim) AS claimed, (SELECT row FROM held WHERE live) AS row`);
  const found = rows[0];
  if (found?.claimed) return { claimed: true as const };
  return { claimed: false as const, row: found?.row ?? undefined };
}

/** The key's row, if it is live: what a request answered from another one reads. */
export async function readKey(db: Db, scope: IdempotencyScope): Promise<HeldKey | undefined> {
  const { rows } = await db.execute<{ row: HeldKey }>(sql`SELECT row FROM (${heldStatement(scope)}) AS held WHERE live`);
  return rows[0]?.row;
}

// A late store or release must not touch a claim another request has taken over since.
const ours = (s: IdempotencyScope, requestHash: string) =>
  and(at(s), eq(idempotencyKeys.requestHash, requestHash), sql`${idempotencyKeys.responseStatus} IS NULL`);

/** Stores the response a request got, for replay. */
export function storeResponse(db: Db, scope: IdempotencyScope, requestHash: string, answer: Answer) {
  return db
    .update(idempotencyKeys)
    .set({ responseStatus: answer.status, responseHeaders: answer.headers, responseBody: answer.body })
    .where(ours(scope, requestHash));
}

/** Forgets a claim whose request failed on our side before writing, so the client's retry can run. */
export function releaseKey(db: Db, scope: IdempotencyScope, requestHash: string) {
  return db.delete(idempotencyKeys).where(and(ours(scope, requestHash), eq(idempotencyKeys.written, false)));
}

/**
 * Deletes up to `limit` expired keys, oldest first, through idempotency_keys_expiry_idx: a purge
 * reads only what it deletes, and a pile of expired keys is worked off in bounded steps rather
 * than in one statement that holds its locks for as long as the pile takes. Returns how many.
 * The rows are deleted by their ctid, locked by the same statement: as `(key columns) IN (…)`
 * the planner joined the chosen rows to the whole table (220 ms at 100k keys, for 1,000).
 */
export async function purgeExpiredKeys(db: Db, limit: number): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    WITH gone AS (
      DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM idempotency_keys WHERE expires_at < now()
        ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED))
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  return rows[0]?.n ?? 0;
}
