import type { Context, MiddlewareHandler, Next } from "hono";
import type { AppEnv, IdempotencyClaim } from "../context.ts";
import { type Answer, claimKey, type HeldKey, type IdempotencyScope, readKey, recordAnswer, releaseKey, storeResponse } from "../../db/queries/idempotency.ts";
import { ApiError } from "./errors.ts";
import { hashKey } from "./keys.ts";
import { loggable } from "./log-error.ts";
import { refundPhone } from "./ratelimit.ts";
import { clearInFlight, inFlightKey } from "./redis.ts";

// Idempotency-Key on any POST. The first response is stored for 24 hours and replayed byte for
// byte; the same key with another body is refused (422), and a repeat while the first is still
// running gets 409. Keys are scoped to the workspace and mode (and a publishable key's, to that key).
//
// Where the key is claimed:
// - "before": in a statement of its own before the handler runs, the response stored before it
//   is sent (every POST but intake). If the process dies between the write and storing its
//   response, the claim is taken over by a retry after a minute (db/queries/idempotency.ts); the
//   write it repeats is idempotent for a lead, and the rest of such routes' writes are
//   management (keys, agents, endpoints), but a call log would be stored twice.
// - "in-write": intake, with no round trip of its own. A marker in Redis, set if absent for ten
//   seconds in the rate limit's round trip (lib/ratelimit.ts), lets the first request with the
//   key go on to the write. A repeat in those seconds does not write: it is answered as the first
//   one is, and its count against the phone's callback limit, taken after the first one's, is
//   given back. The write claims the key in its own statement (functions/intake/accept.ts); that
//   claim decides where Redis did not answer or the marker has run out. The response is stored
//   after it is sent (three tries). A claim taken by the write is never taken over: the request
//   was carried out. If its response is lost, a retry is told so (409) until the key's 24 hours
//   are up, rather than carried out twice. A refusal a retry could get past clears the marker.
//
// A retry that finds the key claimed but not yet answered waits for the answer, up to 1.6 s,
// reading the key up to seven times, before it is told to come back (409). An intake request
// answered before its write (a schema or consent refusal) records that answer in one statement,
// which also finds any answer stored first: a replay whose request would now be refused is still
// answered as the first was.
//
// Refusals a retry could get past (5xx, 409, 429, and a 401 for a key revoked since it was
// cached) are not remembered, except a 409 given after an intake's write: it is that request's
// answer.

const keyPattern = /^[\x21-\x7e]{1,255}$/;
// What a route says in its headers is part of its answer; the rate limit's are about the retry.
const replayedHeaders = ["content-type", "location", "retry-after", "ringback-duplicate"];
// A response's own headers, which a replay takes from the stored answer and never from the
// response the retry would have had.
const answerHeaders = new Set([...replayedHeaders, "content-length", "idempotent-replayed"]);
// How long a retry waits for an answer that is being stored: 1.575 s of pauses in all, and up to
// seven reads of the key.
const waits = [25, 50, 100, 200, 400, 800];
// A written claim still without an answer this long after it was taken has lost it: its store,
// three tries after the response in waitUntil (which a Worker gets 30 s for), is over.
const answerLostAfterSeconds = 60;

/** `operation` is the route's declared path: one operation reached through an alias is one request. */
export function idempotent(operation: string, claim: "before" | "in-write" = "before"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined || c.req.method !== "POST") return next();
    if (!keyPattern.test(key)) {
      throw new ApiError("bad_request", "Idempotency-Key must be 1 to 255 visible ASCII characters", { facts: { reason: "idempotency_key" } });
    }
    const { workspace, mode, agent, key: apiKey } = c.var.caller;
    // A publishable key is public, so its requests' keys are kept apart, per key: otherwise any
    // page (or curl naming a listed Origin) could claim a server's next Idempotency-Key first and
    // have the server's own request refused as "a different request". No key has a space, so the
    // two namespaces cannot meet.
    const scope = { workspaceId: workspace.id, mode, key: apiKey.kind === "publishable" ? `${apiKey.id} ${key}` : key };
    const body = await bodyOf(c);
    // The whole request: a POST may carry its parameters in the query string (Brightcall links).
    const query = new URL(c.req.url).search;
    // And who asks: the same key sent for another agent is another request.
    const requestHash = await hashKey(`${c.req.method} ${operation}${query}\n${apiKey.kind} ${agent?.id ?? ""}\n${body}`);
    if (claim === "before") return claimedBefore(c, next, scope, requestHash);
    return claimedInWrite(c, next, { scope, requestHash, marker: { key: inFlightKey(c.env, scope), token: crypto.randomUUID() }, claimed: false });
  };
}

async function claimedBefore(c: Context<AppEnv>, next: Next, scope: IdempotencyScope, requestHash: string) {
  const found = await claimKey(c.var.db, scope, requestHash);
  if (!found.claimed) return answerFrom(c, scope, requestHash, found.row);
  await next();
  if (!remembered(c.res.status)) {
    await releaseKey(c.var.db, scope, requestHash);
    return;
  }
  try {
    await storeResponse(c.var.db, scope, requestHash, await answerOf(c));
  } catch (err) {
    // The handler's write has committed: a 503 now would ask for a retry of what already
    // happened. The client gets its answer; the claim stays as a crash would leave it.
    logUnstored(c, err);
  }
}

async function claimedInWrite(c: Context<AppEnv>, next: Next, claim: IdempotencyClaim) {
  c.set("idempotency", claim);
  await next();
  const { scope, requestHash } = claim;
  if (claim.claimed) {
    // The write committed with the claim. A 409 after it (a duplicate of a canceled callback) is
    // this request's answer; a 5xx leaves the claim unanswered, and never carried out again.
    if (c.res.status >= 500) return;
    const answer = await answerOf(c);
    c.executionCtx.waitUntil(storeWithRetries(c, scope, requestHash, answer));
    return;
  }
  let held = claim.held;
  if (held === undefined) {
    // Answered before the write. A refusal a retry could get past frees the key for it now,
    // rather than when the marker this request set runs out (ten seconds).
    if (claim.marker.won && !remembered(c.res.status)) await clearInFlight(c.env, claim.marker).catch((err) => console.error("idempotency: an in-flight marker could not be cleared", loggable(err)));
    // Our failure, or a key that is no longer valid, says nothing about the request.
    if (c.res.status >= 500 || c.res.status === 401) return;
    held = remembered(c.res.status) ? await recordAnswer(c.var.db, scope, requestHash, await answerOf(c)) : await readKey(c.var.db, scope);
    if (!held) return;
  }
  // Answered as another request was: what was counted as a callback was not one.
  if (claim.phone) await refundPhone(c, claim.phone);
  return answerFrom(c, scope, requestHash, held ?? undefined);
}

async function storeWithRetries(c: Context<AppEnv>, scope: IdempotencyScope, requestHash: string, answer: Answer): Promise<void> {
  for (const pause of [0, 100, 400]) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      await storeResponse(c.var.db, scope, requestHash, answer);
      return;
    } catch (err) {
      if (pause === 400) logUnstored(c, err);
    }
  }
}

/**
 * Answers a request whose key another request holds: that request's response, replayed; 422 if
 * it was another request; 409 if its answer is not there yet, once it has been waited for.
 */
async function answerFrom(c: Context<AppEnv>, scope: IdempotencyScope, requestHash: string, found: HeldKey | undefined): Promise<Response | undefined> {
  // Nothing seen yet (the key's marker said another request has it): look before waiting.
  let row = found ?? (await readKey(c.var.db, scope));
  for (const ms of waits) {
    if (row && (row.responseStatus != null || row.requestHash !== requestHash)) break;
    await new Promise((resolve) => setTimeout(resolve, ms));
    row = await readKey(c.var.db, scope);
  }
  if (row && row.requestHash !== requestHash) {
    throw new ApiError("validation_failed", "This Idempotency-Key was used with a different request", { facts: { reason: "idempotency_mismatch" } });
  }
  if (row?.written && row.responseStatus == null && row.ageSeconds > answerLostAfterSeconds) {
    throw new ApiError("conflict", "The request with this Idempotency-Key was carried out, and its response is not available; it will not be carried out again", {
      facts: { reason: "answer_unavailable" },
    });
  }
  if (!row || row.responseStatus == null) throw stillInFlight();
  const replay = new Response(row.responseBody ?? "", {
    status: row.responseStatus,
    headers: { ...row.responseHeaders, "Idempotent-Replayed": "true" },
  });
  // What the middleware around the route set (CORS, this request's rate-limit headers), whether
  // on the response this request would have had or still only prepared; not that response's own.
  for (const [name, value] of c.res.headers) if (!answerHeaders.has(name) && !replay.headers.has(name)) replay.headers.set(name, value);
  c.res = undefined;
  c.res = replay;
  return replay;
}

/**
 * Has this request answered as another one with its key (`held`; null: one not seen yet), by
 * the middleware once the handler stops: the error thrown to stop it, and the answer if none is
 * found.
 */
export function answeredElsewhere(c: Context<AppEnv>, held: HeldKey | null): ApiError {
  const claim = c.var.idempotency;
  if (claim) claim.held = held;
  return stillInFlight();
}

function stillInFlight(): ApiError {
  return new ApiError("conflict", "A request with this Idempotency-Key is still being processed", { facts: { reason: "in_flight" } });
}

/** 5xx, 409, 429 and a 401 for a key revoked since it was cached: a retry can get past them. */
function remembered(status: number): boolean {
  return status < 500 && status !== 429 && status !== 409 && status !== 401;
}

async function answerOf(c: Context<AppEnv>): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const name of replayedHeaders) {
    const value = c.res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { status: c.res.status, headers, body: await c.res.clone().text() };
}

function logUnstored(c: Context<AppEnv>, err: unknown) {
  console.error(`idempotency: the response to ${c.req.method} ${new URL(c.req.url).pathname} (${c.res.status}) was sent but not stored`, loggable(err));
}

/**
 * The body as the route reads it. A form's fields, in order of name: the same form sent again
 * comes with a new multipart boundary, and is still the same request.
 */
async function bodyOf(c: Context<AppEnv>): Promise<string> {
  if (!c.req.raw.body) return "";
  const type = c.req.header("content-type") ?? "";
  if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(type)) return c.req.text();
  const form = await c.req.parseBody({ all: true });
  const text = (value: string | File) => (typeof value === "string" ? value : `file ${value.name} ${value.size}`);
  const fields = Object.entries(form).map(([name, value]) => [name, Array.isArray(value) ? value.map(text) : text(value)] as const);
  return JSON.stringify(fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
