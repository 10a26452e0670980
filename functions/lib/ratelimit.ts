import { Ratelimit } from "@upstash/ratelimit";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { findKey } from "../../db/queries/api-keys.ts";
import { ApiError } from "./errors.ts";
import { forgetKey, rememberKey } from "./key-cache.ts";
import { constantTimeEqual } from "./keys.ts";
import { memberOf } from "./members.ts";
import type { Redis } from "@upstash/redis/cloudflare";
import { redisClient, redisKey, revokedMarker } from "./redis.ts";
import { errorResponse } from "./respond-error.ts";

// Per-workspace limits by plan (a workspace may override its plan's figure), and a second,
// per-phone limit on callbacks (seed 002's "rate limit hit for a phone number"). Sliding windows
// of one hour in Redis (@upstash/ratelimit), checked in a single round trip: every limit and, for
// a key read from this isolate's cache, its revocation marker (lib/key-cache.ts) go out together
// in one Upstash pipeline. When Redis is unreachable or slow (1 s), requests fail open: the
// failure is logged and the response carries `X-RateLimit-Degraded: 1`, never a 5xx. A cached
// key is then read again from PostgreSQL, since only Redis could have said it was revoked: rate
// limits fail open, revocation does not.

// Isolate-wide: remembers identifiers known to be blocked, so their limits are refused without
// running the script. The request still makes its round trip when its key came from the cache,
// for the revocation marker. Safe to share across requests; it holds no request's data.
const ephemeralCache = new Map<string, number>();

export const planRequestsPerHour = { free: 100, pro: 1_000, enterprise: 10_000 } as const;
export const defaultCallbacksPerPhonePerHour = 3;

type Check = { policy: "workspace" | "phone"; id: string; limit: number };
type Outcome = Check & { success: boolean; remaining: number; reset: number };

export type PhoneLimit = { phone: string; perHour: number };

/**
 * An Idempotency-Key's in-flight marker (lib/idempotency.ts), set if absent in the same round
 * trip as the limits, to `token` (this request's own). `won` says whether this request set it;
 * unset if Redis did not answer it.
 */
export type InFlightMarker = { key: string; token: string; won?: boolean };

/**
 * Counts this request against the workspace's limit (and a callback against the phone's),
 * sets the rate-limit headers, and throws 429 when a limit is exceeded. Returns whether the
 * callback was counted against the phone's limit. A `marker` goes out in the same round trip.
 */
export async function enforceLimits(c: Context<AppEnv>, phone?: PhoneLimit, marker?: InFlightMarker): Promise<boolean> {
  c.set("rateLimited", true);
  const { workspace } = c.var.caller;
  const checks: Check[] = [];
  // A console member's calls are not counted against the workspace's API limit (a page makes
  // several, and the member signed in past a limit of its own, functions/console/login.tsx);
  // a callback they schedule still counts against its phone's.
  if (!memberOf(c.req.raw)) checks.push({ policy: "workspace", id: workspace.id, limit: workspace.requestsPerHour ?? planRequestsPerHour[workspace.plan] });
  if (phone) checks.push(phoneCheck(c, phone));
  const keyCheck = memberOf(c.req.raw) ? undefined : c.var.keyCheck;
  if (checks.length === 0) return false;
  const answer = await check(c, checks, keyCheck?.cached ? keyCheck.id : null, marker);
  if (answer === "revoked") return refuse(keyCheck?.id);
  if (!answer) {
    if (keyCheck?.cached) await confirmKey(c, keyCheck);
    c.header("X-RateLimit-Degraded", "1");
    return false;
  }
  const outcomes = answer;
  const headers = limitHeaders(outcomes);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  const blocked = outcomes.find((o) => !o.success);
  if (blocked) {
    // Refused for the workspace, the request schedules no callback: a count its phone took (the
    // scripts run side by side) is given back.
    if (phone && outcomes.some((o) => o.policy === "phone" && o.success)) c.executionCtx.waitUntil(refundPhone(c, phone));
    const retryAfter = Math.max(1, Math.ceil((blocked.reset - Date.now()) / 1000));
    const detail = blocked.policy === "phone" ? `Too many callbacks to this phone number; try again in ${retryAfter} s` : `Rate limit exceeded; try again in ${retryAfter} s`;
    throw new ApiError("rate_limited", detail, { headers: { ...headers, "Retry-After": String(retryAfter) }, facts: { retryAfter, policy: blocked.policy } });
  }
  return outcomes.some((o) => o.policy === "phone");
}

/**
 * Gives back a callback counted against the phone's limit that turned out not to be one (a
 * replayed Idempotency-Key): a negative count, which the sliding window's script applies
 * without checking the limit, and which clears this isolate's memory of a block on the phone.
 * A failure is logged and otherwise ignored: the count stays as it was.
 */
export async function refundPhone(c: Context<AppEnv>, phone: PhoneLimit): Promise<void> {
  try {
    const check = phoneCheck(c, phone);
    const result = await limiter(c, redisClient(c.env), check).limit(check.id, { rate: -1 });
    await result.pending;
  } catch (err) {
    console.error(`ratelimit: a phone's count could not be given back (${err instanceof Error ? err.message : String(err)})`);
  }
}

function phoneCheck(c: Context<AppEnv>, phone: PhoneLimit): Check {
  return { policy: "phone", id: `${c.var.caller.workspace.id}:${c.var.caller.mode}:${phone.phone}`, limit: phone.perHour };
}

// One client for all of a request's checks: its commands sent in one tick go out as one request.
function limiter(c: Context<AppEnv>, redis: Redis, item: Check): Ratelimit {
  return new Ratelimit({
    redis,
    limiter: Ratelimit.slidingWindow(item.limit, "1 h"),
    prefix: redisKey(c.env, "ratelimit", item.policy, String(item.limit)),
    ephemeralCache,
    timeout: 1000,
    analytics: false,
  });
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
      // The 429 replaces the answer whole: none of its headers (a replay's, a Location, a
      // Retry-After of its own) may carry over, as hono's setter would carry them.
      c.res = undefined;
      c.res = errorResponse(c, err);
    }
  };
}

// EXISTS on the revocation marker, as a script: @upstash/redis pipelines the commands sent in one
// tick into one request (auto-pipelining), but keeps read commands (EXISTS) and writes (the
// limits' EVALSHA) in two separate requests; as EVAL, the check rides with the limits.
const markerScript = "return redis.call('EXISTS', KEYS[1])";
// An Idempotency-Key's in-flight marker: set unless there is one, for ten seconds. It only has to
// last until the first request's claim commits in PostgreSQL, which answers from then on, and a
// request that dies before that leaves it this long.
const inFlightScript = "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0";
const inFlightMs = 10_000;

/**
 * The outcomes, "revoked" when the cached key's marker is set, or null when Redis did not answer.
 * One round trip: each limit's script and the marker's check are all sent in the same tick,
 * before any answer is awaited, and go out as one Upstash pipeline.
 */
async function check(c: Context<AppEnv>, checks: Check[], cachedKeyId: string | null, inFlight?: InFlightMarker): Promise<Outcome[] | "revoked" | null> {
  const redis = redisClient(c.env);
  try {
    const limits = checks.map((item) => limiter(c, redis, item).limit(item.id));
    const marker = cachedKeyId ? redis.eval<[], number>(markerScript, [revokedMarker(c.env, cachedKeyId)], []) : Promise.resolve(0);
    const setIfAbsent = inFlight ? redis.eval<[string, string], number>(inFlightScript, [inFlight.key], [inFlight.token, String(inFlightMs)]) : Promise.resolve(null);
    const [answers, revoked, set] = await Promise.all([Promise.all(limits), marker, setIfAbsent]);
    if (inFlight && set !== null) inFlight.won = set === 1;
    for (const result of answers) c.executionCtx.waitUntil(result.pending);
    if (answers.some((result) => result.reason === "timeout")) throw new Error("no answer within 1 s");
    if (revoked === 1) return "revoked";
    return checks.map((item, i) => {
      const result = answers[i];
      if (!result) throw new Error("ratelimit: an answer is missing");
      return { ...item, success: result.success, remaining: result.remaining, reset: result.reset };
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
