import type { findKey } from "../../db/queries/api-keys.ts";

// Keys already looked up in this isolate, by the key's hash (and the X-Agent-ID asked for), so a
// busy key's requests skip the PostgreSQL lookup. What may be stale, and for how long
// (README, "What a cached key may get wrong"): the workspace's plan, limits and settings, the
// key's scopes and allowed origins, and its agent's settings, for at most `ttlMs`. Revocation is
// never stale: a request on a cached key is not answered until the revocation marker has been
// checked in Redis (lib/ratelimit.ts, in the rate limit's one round trip), or, with Redis down,
// until the key has been read again from PostgreSQL.
//
// Only unrevoked keys are cached; an unknown or revoked key is looked up every time.

export type FoundKey = NonNullable<Awaited<ReturnType<typeof findKey>>>;

type Entry = { found: FoundKey; at: number; touchedAt: number | null };

export const keyCacheTtlMs = 60_000;
// An isolate serves one deployment; a few thousand keys is plenty, and bounds the memory.
const maxEntries = 5_000;
const entries = new Map<string, Entry>();

const slot = (hash: string, agentId: string | null) => `${hash} ${agentId ?? ""}`;

export function cachedKey(hash: string, agentId: string | null, now = Date.now()): FoundKey | null {
  const entry = entries.get(slot(hash, agentId));
  if (!entry) return null;
  if (now - entry.at > keyCacheTtlMs) {
    entries.delete(slot(hash, agentId));
    return null;
  }
  return entry.found;
}

export function rememberKey(hash: string, agentId: string | null, found: FoundKey, now = Date.now()): void {
  if (found.key.revokedAt) return;
  if (entries.size >= maxEntries) {
    // Maps iterate in insertion order: the first is the oldest.
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  const touchedAt = found.key.lastUsedAt ? new Date(found.key.lastUsedAt).getTime() : null;
  entries.set(slot(hash, agentId), { found, at: now, touchedAt });
}

/** Forgets every entry of this key (any X-Agent-ID): it was found revoked. */
export function forgetKey(keyId: string): void {
  for (const [name, entry] of entries) if (entry.found.key.id === keyId) entries.delete(name);
}

/**
 * Whether this request should record the key's use (last_used_at): at most once a minute per key
 * and isolate, judged from the row already read, so most requests write nothing.
 */
export function dueForTouch(hash: string, agentId: string | null, now = Date.now()): boolean {
  const entry = entries.get(slot(hash, agentId));
  if (!entry) return true;
  if (entry.touchedAt !== null && now - entry.touchedAt < 60_000) return false;
  // Every X-Agent-ID's entry of the key: it is one key's use.
  for (const other of entries.values()) if (other.found.key.id === entry.found.key.id) other.touchedAt = now;
  return true;
}
