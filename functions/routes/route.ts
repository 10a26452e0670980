import { createRoute, type RouteConfig, type RouteHandler } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../context.ts";
import type { KeySource } from "../lib/auth.ts";
import type { KeyKind } from "../../schemas/scopes.ts";
import type { Scope } from "../../schemas/scopes.ts";

// A route is declared once: its contract (createRoute, the OpenAPI operation) and the kind of
// route it is. The kind decides everything that must not differ between routes of one family —
// body limit and content type, keys, rate limiting, Idempotency-Key, the error shape and the
// refusals every route of the family documents — so a route cannot get any of it wrong or
// leave it out. Registering a route (routes/index.ts) is what mounts it and documents it.

/** What a route adds to its kind's defaults. */
export type RouteOptions = {
  /** The scope a key needs; routes of a keyed kind must name one, or null for any key of the kind. */
  scope?: Scope | null;
  /** Key kinds accepted, where a route differs from its kind (a publishable key on intake). */
  keyKinds?: KeyKind[];
  /** The scope a publishable key needs, where the route's scope is one it cannot have (it has intake:write only). */
  publishableScope?: Scope;
  /** Refusals of this route's own, by status, beyond its kind's (rendered in the kind's error shape). */
  errors?: Record<number, string>;
  /** Other paths answering the same operation, left out of the document (e.g. a missing trailing slash). */
  aliases?: string[];
  /**
   * Middleware of the route's own, run after the kind's checks on the caller and before the
   * body is read (make-call's X-Agent-ID, the sandbox host's test keys).
   */
  guards?: MiddlewareHandler<AppEnv>[];
  /**
   * "handler" when the handler reads and checks the request itself, because one schema cannot
   * say where its values come from (Brightcall's query, JSON or form). The request is still
   * documented; the kind's text checks still run.
   */
  validation?: "schema" | "handler";
  /**
   * "deferred" when the handler counts the request itself (enforceLimits), to check the phone's
   * callback limit in the same round trip to Redis; a request refused before that is counted
   * once it has been answered. Every request is still counted, and answered with the headers.
   */
  rateLimit?: "deferred";
  /**
   * "in-write" when the handler's write claims the Idempotency-Key in its own statement
   * (acceptIntake), so a new key costs no round trip of its own; otherwise it is claimed first.
   */
  idempotencyClaim?: "in-write";
};

/** A family of routes that share one pipeline (kinds.ts). */
export type RouteKind = {
  name: string;
  /** The body of every refusal on this kind of route, and its media type. */
  error: { schema: z.ZodType; contentType: string };
  /** Refusals every route of the kind can give, documented once here. */
  errors: Record<number, string>;
  /** Security requirements for the document; empty for routes that take no key. */
  security: Record<string, string[]>[];
  /** Where keys come from and which kinds are accepted; null for routes that take no key. */
  keys: KeyRules | null;
  /** The ordered middleware every route of the kind runs before its validators. */
  pipeline(route: RouteConfig, options: RouteOptions): MiddlewareHandler<AppEnv>[];
  /** Middleware for the route's path whatever the method (error dialect, CORS). */
  pathMiddleware(route: RouteConfig): MiddlewareHandler<AppEnv>[];
  /** The answer to a method the path does not serve, where the seed defines one. */
  methodNotAllowed?(allowed: string[]): MiddlewareHandler<AppEnv>;
};

/** Where a kind's keys come from, which kinds it takes, and whether secret keys may come from web pages. */
export type KeyRules = { sources: KeySource[]; kinds: KeyKind[]; secretFromBrowsers?: boolean };

export type Route = {
  kind: RouteKind;
  config: RouteConfig;
  options: RouteOptions;
  // The handler's types were checked against the config when the route was defined.
  handler: RouteHandler<RouteConfig, AppEnv>;
};

/**
 * Declares a route of a kind: its contract (createRoute's fields: method, path, request,
 * success responses, the text of its documentation) and what it adds to its kind, in one
 * object. The handler is typed by the contract.
 */
export function defineRoute<R extends RouteConfig>(kind: RouteKind, spec: R & RouteOptions, handler: RouteHandler<R, AppEnv>): Route {
  const { scope, keyKinds, publishableScope, errors, aliases, guards, validation, rateLimit, idempotencyClaim, ...config } = spec;
  const options: RouteOptions = { scope, keyKinds, publishableScope, errors, aliases, guards, validation, rateLimit, idempotencyClaim };
  if (kind.keys && scope === undefined) throw new Error(`${config.method.toUpperCase()} ${config.path}: a ${kind.name} route must name its scope`);
  return { kind, config: createRoute(config), options, handler: handler as unknown as RouteHandler<RouteConfig, AppEnv> };
}

/** The JSON body of a request, required unless every field is optional and the route says so. */
export function jsonBody<S extends z.ZodType>(schema: S, options: { required?: boolean; description?: string } = {}) {
  return { required: options.required ?? true, description: options.description, content: { "application/json": { schema } } };
}

/** Whether a route takes publishable keys: those routes answer browsers per key (lib/browser.ts). */
export function takesPublishable(route: Route): boolean {
  return (route.options.keyKinds ?? route.kind.keys?.kinds ?? []).includes("publishable");
}

/** A success response with a JSON body. */
export function jsonResponse<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { "application/json": { schema } } };
}
