import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { claimKey, releaseKey, storeResponse } from "../../db/queries/idempotency.ts";
import { ApiError } from "./errors.ts";
import { hashKey } from "./keys.ts";
import { loggable } from "./log-error.ts";

// Idempotency-Key on any POST. The first response is stored for 24 hours and replayed byte for
// byte; the same key with another body is refused (422), and a repeat while the first is still
// running gets 409. Keys are scoped to the workspace and mode (and a publishable key's, to that key).
//
// The response is stored once it is known. Refusals a retry could get past (5xx, 409, 429, and a
// 401 for a key revoked since it was cached) are not remembered. If the process dies between the
// write and storing its response, or storing it
// fails, the claim is taken over by a retry after a minute (db/queries/idempotency.ts); the write
// it repeats is idempotent for leads and de-duplicated for callbacks, but a call log would be
// stored twice.

const keyPattern = /^[\x21-\x7e]{1,255}$/;
// What a route says in its headers is part of its answer; the rate limit's are about the retry.
const replayedHeaders = ["content-type", "location", "retry-after", "ringback-duplicate"];

/** `operation` is the route's declared path: one operation reached through an alias is one request. */
export function idempotent(operation: string): MiddlewareHandler<AppEnv> {
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
    const { claimed, row } = await claimKey(c.var.db, scope, requestHash);

    if (!claimed) {
      if (row && row.requestHash !== requestHash) {
        throw new ApiError("validation_failed", "This Idempotency-Key was used with a different request", { facts: { reason: "idempotency_mismatch" } });
      }
      if (!row || row.responseStatus === null) {
        throw new ApiError("conflict", "A request with this Idempotency-Key is still being processed", { facts: { reason: "in_flight" } });
      }
      return c.body(row.responseBody ?? "", row.responseStatus as 200, { ...row.responseHeaders, "Idempotent-Replayed": "true" });
    }

    await next();
    // A 401 too: a key revoked since this isolate cached it is refused in the handler's rate-limit
    // round trip (lib/ratelimit.ts), after the claim, and the answer is about the key, not the
    // request; the same request sent with a valid key must run.
    if (c.res.status >= 500 || c.res.status === 429 || c.res.status === 409 || c.res.status === 401) {
      await releaseKey(c.var.db, scope);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of replayedHeaders) {
      const value = c.res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    try {
      await storeResponse(c.var.db, scope, c.res.status, headers, await c.res.clone().text());
    } catch (err) {
      // The handler's write has committed: a 503 now would ask for a retry of what already
      // happened. The client gets its answer; the claim stays as a crash would leave it.
      console.error(`idempotency: the response to ${c.req.method} ${operation} (${c.res.status}) was sent but not stored`, loggable(err));
    }
  };
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
