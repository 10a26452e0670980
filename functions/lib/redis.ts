import { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "../env.ts";
import { revokedMarkerKey, revokedMarkerSeconds } from "./revoked-marker.ts";

/** A REST client for Upstash (or the local bridge in dev/). Made per request; it is only a URL. */
export function redisClient(env: Env): Redis {
  return new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    enableTelemetry: false,
    // A slow Redis must not hold a request: each call gives up after a second, and callers
    // decide whether to fail open.
    retry: false,
    signal: () => AbortSignal.timeout(1000),
  });
}

/** Prefixes a Redis key with this deployment's namespace. */
export function redisKey(env: Env, ...parts: string[]): string {
  return [env.REDIS_PREFIX, ...parts].join(":");
}

export function revokedMarker(env: Env, keyId: string): string {
  return revokedMarkerKey(env.REDIS_PREFIX, keyId);
}

/** Sets a revoked key's marker (lib/revoked-marker.ts). Throws when Redis cannot be reached; the caller decides what then. */
export async function markRevoked(env: Env, keyId: string): Promise<void> {
  await redisClient(env).set(revokedMarker(env, keyId), "1", { ex: revokedMarkerSeconds });
}

/** Where an Idempotency-Key's in-flight marker is kept (lib/ratelimit.ts sets it, lib/idempotency.ts). */
export function inFlightKey(env: Env, scope: { workspaceId: string; mode: string; key: string }): string {
  return redisKey(env, "idempotency", scope.workspaceId, scope.mode, scope.key);
}

// Deletes the marker only if it is still this request's: one that ran out may have been set again
// by another request since.
const clearScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** Removes an in-flight marker this request set, so a retry need not wait out its time. */
export async function clearInFlight(env: Env, marker: { key: string; token: string }): Promise<void> {
  await redisClient(env).eval(clearScript, [marker.key], [marker.token]);
}
