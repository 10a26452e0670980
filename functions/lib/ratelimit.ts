import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { findKey } from "../../db/queries/api-keys.ts";
import { ApiError } from "./errors.ts";
import { forgetKey, rememberKey } from "./key-cache.ts";
import { constantTimeEqual } from "./keys.ts";
import { memberOf } from "./members.ts";
import { redisClient, redisKey, revokedMarker } from "./redis.ts";
import { errorResponse } from "./respond-error.ts";

// Per-workspace limits by plan (a workspace may override its plan's figure), and a second,
// per-phone limit on callbacks (seed 002's "rate limit hit for a phone number"). Sliding windows
// of one hour in Redis, as @upstash/ratelimit keeps them (same keys, same arithmetic), checked in
// a single round trip: one script counts every limit and, for a key read from this isolate's
// cache, checks that it has not been revoked since (lib/key-cache.ts). When Redis is unreachable
// or slow (1 s), requests fail open: the failure is logged and the response carries
// `X-RateLimit-Degraded: 1`, never a 5xx. A cached key is then read again from PostgreSQL, since
// only Redis could have said it was revoked: rate limits fail open, revocation does not.
//
// No local cache of blocked workspaces (@upstash/ratelimit's ephemeralCache): every request
// makes its one round trip, since that is also where a cached key's revocation is seen.

export const planRequestsPerHour = { free: 100, pro: 1_000, enterprise: 10_000 } as const;
export const defaultCallbacksPerPhonePerHour = 3;

type Check = { policy: "workspace" | "phone"; id: string; limit: number };
type Outcome = Check & { success: boolean; remaining: number; reset: number };

export type PhoneLimit = { phone: string; perHour: number };

/**
 * Counts this request against the workspace's limit (and a callback against the phone's),
 * sets the rate-limit headers, and throws 429 when a limit is exceeded.
 */
export async function enforceLimits(c: Context<AppEnv>, phone?: PhoneLimit): Promise<void> {
  c.set("rateLimited", true);
  const { workspace } = c.var.caller;
  const checks: Check[] = [];
  // A console member's calls are not counted against the workspace's API limit (a page makes
  // several, and the member signed in past a limit of its own, functions/console/login.tsx);
  // a callback they schedule still counts against its phone's.
  if (!memberOf(c.req.raw)) checks.push({ policy: "workspace", id: workspace.id, limit: workspace.requestsPerHour ?? planRequestsPerHour[workspace.plan] });
  if (phone) checks.push({ policy: "phone", id: `${workspace.id}:${c.var.caller.mode}:${phone.phone}`, limit: phone.perHour });
  const keyCheck = memberOf(c.req.raw) ? undefined : c.var.keyCheck;
  if (checks.length === 0) return;
  const answer = await check(c, checks, keyCheck?.cached ? keyCheck.id : null);
  if (answer === "revoked") return refuse(keyCheck?.id);
  if (!answer) {
    if (keyCheck?.cached) await confirmKey(c, keyCheck);
    c.header("X-RateLimit-Degraded", "1");
    return;
  }
  const outcomes = answer;
  const headers = limitHeaders(outcomes);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  const blocked = outcomes.find((o) => !o.success);
  if (blocked) {
    const retryAfter = Math.max(1, Math.ceil((blocked.reset - Date.now()) / 1000));
    const detail = blocked.policy === "phone" ? `Too many callbacks to this phone number; try again in ${retryAfter} s` : `Rate limit exceeded; try again in ${retryAfter} s`;
    throw new ApiError("rate_limited", detail, { headers: { ...headers, "Retry-After": String(retryAfter) }, facts: { retryAfter, policy: blocked.policy } });
  }
}

/**
 * Middleware. Most routes count the request before running. Intake routes pass `deferred`:
 * they call enforceLimits themselves once the body is read, to check the phone limit in the
 * same round trip; a request that fails before that point is counted here afterwards.
 */
export function rateLimit(options: { deferred?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!options.deferred) await enforceLimits(c);
    await next();
    if (c.var.rateLimited) return;
    try {
      await enforceLimits(c);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      c.res = errorResponse(c, err);
    }
  };
}

const windowMs = 3_600_000;

// KEYS[1] the revocation marker (checked when ARGV[3] is "1"), then each limit's current and
// previous window. ARGV: now (ms), the window (ms), the marker flag, then each limit. Returns
// {-1} for a revoked key, else {0, r1, r2, …}: what is left of each limit after this request,
// negative when the request is refused by it (and then not counted, as @upstash/ratelimit does).
const script = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if ARGV[3] == "1" and redis.call("EXISTS", KEYS[1]) == 1 then return {-1} end
local out = {0}
local share = (now % window) / window
for i = 0, (#KEYS - 1) / 2 - 1 do
  local current = KEYS[2 + 2 * i]
  local limit = tonumber(ARGV[4 + i])
  local used = tonumber(redis.call("GET", current) or "0")
  local before = math.floor((1 - share) * tonumber(redis.call("GET", KEYS[3 + 2 * i]) or "0"))
  if before + used >= limit then
    out[#out + 1] = -1
  else
    local now_used = redis.call("INCR", current)
    if now_used == 1 then redis.call("PEXPIRE", current, window * 2 + 1000) end
    out[#out + 1] = limit - (now_used + before)
  end
end
return out`;

/** The outcomes, "revoked" when the cached key's marker is set, or null when Redis did not answer. */
async function check(c: Context<AppEnv>, checks: Check[], cachedKeyId: string | null): Promise<Outcome[] | "revoked" | null> {
  const redis = redisClient(c.env);
  const now = Date.now();
  const window = Math.floor(now / windowMs);
  const reset = (window + 1) * windowMs;
  // The keys @upstash/ratelimit used: <prefix>:<identifier>:<window number>.
  const keys = checks.flatMap((item) => {
    const base = `${redisKey(c.env, "ratelimit", item.policy, String(item.limit))}:${item.id}`;
    return [`${base}:${window}`, `${base}:${window - 1}`];
  });
  try {
    const marker = revokedMarker(c.env, cachedKeyId ?? "-");
    const result = await redis.eval<string[], number[]>(script, [marker, ...keys], [String(now), String(windowMs), cachedKeyId ? "1" : "0", ...checks.map((item) => String(item.limit))]);
    if (result[0] === -1) return "revoked";
    return checks.map((item, i) => {
      const left = Number(result[i + 1]);
      return { ...item, success: left >= 0, remaining: Math.max(0, left), reset };
    });
  } catch (err) {
    console.error(`ratelimit: Redis unavailable (${err instanceof Error ? err.message : String(err)}); failing open`);
    return null;
  }
}

function refuse(keyId: string | undefined): never {
  if (keyId) forgetKey(keyId);
  throw new ApiError("unauthorized", "The API key is not valid", { facts: { reason: "invalid" } });
}

/**
 * With Redis down, a key from the cache is read again from PostgreSQL: a key revoked while Redis
 * was away (its marker never written, or unreadable) must not work for the rest of its minute.
 */
async function confirmKey(c: Context<AppEnv>, check: NonNullable<AppEnv["Variables"]["keyCheck"]>): Promise<void> {
  const found = await findKey(c.var.db, check.hash, check.agentId);
  if (!found || found.key.revokedAt || !constantTimeEqual(found.key.keyHash, check.hash)) refuse(check.id);
  rememberKey(check.hash, check.agentId, found);
}

function limitHeaders(outcomes: Outcome[]): Record<string, string> {
  const seconds = (reset: number) => Math.max(0, Math.ceil((reset - Date.now()) / 1000));
  const workspace = outcomes.find((o) => o.policy === "workspace");
  // enforceLimits always checks the workspace's limit.
  if (!workspace) throw new Error("ratelimit: no outcome for the workspace's limit");
  return {
    "X-RateLimit-Limit": String(workspace.limit),
    "X-RateLimit-Remaining": String(Math.max(0, workspace.remaining)),
    "X-RateLimit-Reset": String(Math.ceil(workspace.reset / 1000)),
    // IETF draft-ietf-httpapi-ratelimit-headers: every policy, and what is left of each.
    "RateLimit-Policy": outcomes.map((o) => `"${o.policy}";q=${o.limit};w=3600`).join(", "),
    RateLimit: outcomes.map((o) => `"${o.policy}";r=${Math.max(0, o.remaining)};t=${seconds(o.reset)}`).join(", "),
  };
}
