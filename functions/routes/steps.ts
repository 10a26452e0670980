import type { RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { type KeySource, requireKey } from "../lib/auth.ts";
import { checkValue, isJsonType, limitBody, readJson } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { idempotent } from "../lib/idempotency.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import type { KeyKind } from "../../schemas/scopes.ts";
import type { RouteOptions } from "./route.ts";

// Steps the kinds' pipelines are made of, besides the ones lib/ already has (limitBody,
// requireKey, rateLimit, idempotent). Each refuses with an ApiError, which the route renders
// in its kind's error shape.

/**
 * Path parameters and query values get the checks every body gets (lib/body.ts): a NUL, half
 * a surrogate pair or a `__proto__` name is a 400 here, never text PostgreSQL refuses later.
 */
export function checkText(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    checkValue(c.req.param(), "", 0);
    checkValue(c.req.queries(), "", 0);
    await next();
  };
}

/**
 * Reads a JSON body and checks it (type, syntax, depth, keys, characters) before the route's
 * schema sees it. Hono would read a body of another type as {}, which a schema of optional
 * fields takes for an empty request: anything but JSON is a 415, and only a request with no
 * body and no type is an empty one, where the route's body is optional.
 */
export function jsonOnly(required: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header("content-type");
    const empty = type === undefined && (await c.req.text()).length === 0;
    if (!(empty && !required)) {
      if (!isJsonType(type)) throw new ApiError("unsupported_media_type", "Content-Type must be application/json", { facts: { reason: "content_type" } });
      await readJson(c);
    }
    await next();
  };
}

/** Refuses what the route's method list leaves out, in the seed's own words. */
export function refuseMethod(error: () => ApiError): MiddlewareHandler<AppEnv> {
  return () => {
    throw error();
  };
}

/** What a keyed kind says about its routes' keys and requests (the rest is the route's options). */
export type KeyedSteps = {
  keys: { sources: KeySource[]; kinds: KeyKind[] };
  /**
   * For a kind whose routes read their parameters themselves, from the query, a JSON body or a
   * form (Brightcall), and check their text as they read them: the step that reads the body
   * before the key is looked for in it, so that a body that cannot be read is reported as such
   * (400, 415) and not as a missing key.
   */
  ownParams?: { readBody: MiddlewareHandler<AppEnv> };
};

/**
 * The checks of every keyed route, native or a seed's, in one order: body size (413), key
 * (401, 403), the route's guards, rate limit (429, or counted after the answer where the handler
 * counts it itself), the text of path and query (400), the body's type and syntax (415, 400),
 * Idempotency-Key on a POST; the route's schema comes after.
 */
export function keyedPipeline(route: RouteConfig, options: RouteOptions, steps: KeyedSteps): MiddlewareHandler<AppEnv>[] {
  const body = route.request?.body;
  const own = steps.ownParams;
  return [
    ...(body ? [limitBody()] : []),
    ...(body && own ? [own.readBody] : []),
    requireKey({ sources: steps.keys.sources, kinds: options.keyKinds ?? steps.keys.kinds, scope: options.scope ?? undefined }),
    ...(options.guards ?? []),
    rateLimit({ deferred: options.rateLimit === "deferred" }),
    ...(own ? [] : [checkText()]),
    ...(body && !own ? [jsonOnly(body.required === true)] : []),
    ...(route.method === "post" ? [idempotent()] : []),
  ];
}
