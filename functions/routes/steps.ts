import type { RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { type KeySource, requireKey } from "../lib/auth.ts";
import { checkValue, isJsonType, limitBody, readJson } from "../lib/body.ts";
import { anyOriginCors } from "../lib/browser.ts";
import { dialect } from "../lib/dialect.ts";
import type { ApiError, ErrorRenderer } from "../lib/errors.ts";
import { idempotent } from "../lib/idempotency.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import type { KeyRules, RouteKind, RouteOptions } from "./route.ts";

// Steps the kinds' pipelines are made of, besides the ones lib/ already has (limitBody,
// requireKey, rateLimit, idempotent). Each refuses with an ApiError, which the route renders
// in its kind's error shape.

/**
 * How the document words the refusals the shared steps give, on every keyed kind unless its seed
 * words one otherwise (mount.ts leaves out those a route cannot give, such as 415 without a body).
 */
export const refusals = {
  400: "A malformed request: JSON that does not parse, a control character or a lone surrogate, a bad Idempotency-Key",
  401: "Missing, unknown or revoked key",
  403: "A publishable key, a secret key from a web page (Origin of another site), or a key without the route's scope",
  409: "A request with this Idempotency-Key is still being processed",
  413: "The body is larger than 64 KB",
  415: "The body is not application/json",
  422: "Every invalid field, each with its path; or an Idempotency-Key reused with another request",
  429: "The workspace's hourly rate limit; Retry-After says when to retry",
  503: "The database cannot be reached; Retry-After says when to retry",
} as const;

// The document's security schemes for the headers a key may come in (a key in the query or
// the body, as Brightcall's links send it, has no scheme of its own).
const schemeOf: Partial<Record<KeySource, string>> = { authorization: "bearer", "x-api-key": "apiKeyHeader" };

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
 * fields takes for an empty request: anything but JSON is a 415 (readJson). An empty body is
 * an empty request where the route's body is optional, with or without a JSON type; a route
 * that declares no body still takes a JSON one (some clients send `{}` with every POST).
 */
export function jsonOnly(body: "required" | "optional" | "none"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header("content-type");
    const empty = (await c.req.text()).length === 0;
    if (!(empty && body === "none")) {
      const absent = empty && body === "optional" && (type === undefined || isJsonType(type));
      // The schema validator after this step reads Hono's cache: the body is parsed once.
      c.req.bodyCache.json = Promise.resolve(absent ? {} : await readJson(c));
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
  keys: KeyRules;
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
  // A route that reads its own parameters checks their text and type as it reads them.
  const bodyCheck = own || route.method === "get" ? [] : [jsonOnly(!body ? "none" : body.required ? "required" : "optional")];
  const kinds = options.keyKinds ?? steps.keys.kinds;
  // A route that takes publishable keys takes one in the URL too, where a preflight can see it.
  const inUrl: KeySource[] = kinds.includes("publishable") && !steps.keys.sources.includes("query") ? ["publishable-query"] : [];
  return [
    ...(route.method === "get" ? [] : [limitBody()]),
    ...(body && own ? [own.readBody] : []),
    requireKey({
      sources: [...steps.keys.sources, ...inUrl],
      kinds,
      scope: options.scope ?? undefined,
      publishableScope: options.publishableScope,
      secretFromBrowsers: steps.keys.secretFromBrowsers,
    }),
    ...(options.guards ?? []),
    rateLimit({ deferred: options.rateLimit === "deferred" }),
    ...(own ? [] : [checkText()]),
    ...bodyCheck,
    ...(route.method === "post" ? [idempotent(route.path, options.idempotencyClaim ?? "before")] : []),
  ];
}

/**
 * A keyed kind as its file declares it: what it documents (its `errors` are the seed's own words,
 * over the shared refusals), where its keys come from (which also gives the document its security
 * schemes), and its seed's dialect.
 */
type KeyedKindSpec = Pick<RouteKind, "name" | "error" | "errors" | "methodNotAllowed"> &
  KeyedSteps & {
    /** The seed's error renderer, for every method on the kind's paths; none for problem+json. */
    render?: ErrorRenderer;
    /**
     * Seed 001's CORS, kept as it was: any origin, for secret keys from web pages. Routes that
     * take publishable keys answer browsers per key instead (mount.ts, lib/browser.ts).
     */
    anyOriginCors?: string[];
    /** Steps of the kind's own before the keyed ones (Brightcall refuses a HEAD before anything else). */
    first?: MiddlewareHandler<AppEnv>[];
  };

/** A kind of keyed route: keyedPipeline with the kind's keys, and its dialect and CORS on its paths. */
export function keyedKind({ keys, ownParams, render, anyOriginCors: cors, first = [], errors, ...kind }: KeyedKindSpec): RouteKind {
  return {
    ...kind,
    errors: { ...refusals, ...errors },
    security: keys.sources.flatMap((source) => (schemeOf[source] ? [{ [schemeOf[source]]: [] }] : [])),
    keys,
    pipeline: (route, options) => [...first, ...keyedPipeline(route, options, { keys, ownParams })],
    // The dialect first: whatever is refused after it, on any method, is answered in it.
    pathMiddleware: () => [...(render ? [dialect(render)] : []), ...(cors ? [anyOriginCors(cors)] : [])],
  };
}
