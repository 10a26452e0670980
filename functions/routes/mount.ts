import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { perKeyCors } from "../lib/browser.ts";
import { registerHeaders, withHeaders } from "./headers.ts";
import { type Route, type RouteKind, takesPublishable } from "./route.ts";

/**
 * Mounts each route with its kind's pipeline and documents it, in one step: a route that
 * answers is a route in the document. Path-wide middleware (error dialect, CORS) is mounted
 * once per path, and a kind that answers unknown methods itself gets the last word on its paths.
 *
 * Two kinds may share a path where each serves its own methods (callvine's POST /v1/call_logs
 * and the native GET /v1/call_logs): each kind's path middleware then runs on its own methods
 * only, and the path's owner (the kind that answers unknown methods, else the first listed) also
 * takes the methods nobody serves. A GET takes its HEAD with it, as Hono routes a HEAD to it.
 *
 * A path with a route that takes publishable keys answers browsers per key (lib/browser.ts), on
 * every method, after its kinds' own path middleware (so a refusal is in the route's dialect).
 */
export function mountRoutes(app: OpenAPIHono<AppEnv>, routes: Route[]): void {
  registerHeaders(app);
  const paths = new Map<string, Map<RouteKind, { config: RouteConfig; methods: string[] }>>();
  const browserMethods = new Map<string, string[]>();
  for (const route of routes) {
    const method = route.config.method.toUpperCase();
    for (const path of [route.config.path, ...(route.options.aliases ?? [])]) {
      if (takesPublishable(route)) browserMethods.set(path, [...(browserMethods.get(path) ?? []), method]);
      const kinds = paths.get(path) ?? new Map<RouteKind, { config: RouteConfig; methods: string[] }>();
      paths.set(path, kinds);
      for (const [kind, { methods }] of kinds) {
        if (kind !== route.kind && methods.includes(method)) throw new Error(`${method} ${path} is served by two kinds of route: ${kind.name} and ${route.kind.name}`);
      }
      const served = kinds.get(route.kind);
      if (served) served.methods.push(method);
      else kinds.set(route.kind, { config: route.config, methods: [method] });
    }
  }
  for (const [path, kinds] of paths) {
    mountPathMiddleware(app, path, kinds);
    const methods = browserMethods.get(path);
    if (methods) app.use(honoPath(path), perKeyCors(methods));
  }

  for (const route of routes) {
    const { kind, options } = route;
    const config = {
      ...route.config,
      request: withIdempotencyKey(route),
      security: kind.security,
      responses: withHeaders(route, { ...refusals(route), ...route.config.responses }),
    };
    const middleware = kind.pipeline(route.config, options);
    // A handler that reads the request itself is documented with its request, but mounted
    // without the schema validators, which would look for the values in one place only.
    const mounted = options.validation === "handler" ? { ...config, request: undefined } : config;
    if (options.validation === "handler") app.openAPIRegistry.registerPath(config);
    app.openapi({ ...mounted, middleware, hide: options.validation === "handler" }, route.handler);
    for (const alias of options.aliases ?? []) app.openapi({ ...mounted, path: alias, middleware, hide: true }, route.handler);
  }

  for (const [path, kinds] of paths) {
    const owner = ownerOf(path, kinds);
    const methods = [...kinds.values()].flatMap((served) => served.methods);
    if (owner.methodNotAllowed) app.all(honoPath(path), owner.methodNotAllowed(methods));
  }
}

/** The kind that answers a path's unknown methods: the one that has an answer for them, else the first. */
function ownerOf(path: string, kinds: Map<RouteKind, unknown>): RouteKind {
  const all = [...kinds.keys()];
  const answering = all.filter((kind) => kind.methodNotAllowed);
  if (answering.length > 1) throw new Error(`${path}: two kinds answer its unknown methods: ${answering.map((k) => k.name).join(" and ")}`);
  const owner = answering[0] ?? all[0];
  if (!owner) throw new Error(`${path} has no route`);
  return owner;
}

/** Each kind's path middleware, on the methods it serves; the owner's on every other method too. */
function mountPathMiddleware(app: OpenAPIHono<AppEnv>, path: string, kinds: Map<RouteKind, { config: RouteConfig; methods: string[] }>): void {
  const owner = ownerOf(path, kinds);
  const routed = (method: string) => (method === "HEAD" ? "GET" : method);
  for (const [kind, { config, methods }] of kinds) {
    const middleware = kind.pathMiddleware(config);
    if (kinds.size === 1 || middleware.length === 0) {
      if (middleware.length > 0) app.use(honoPath(path), ...middleware);
      continue;
    }
    const others = new Set([...kinds].flatMap(([other, served]) => (other === kind ? [] : served.methods)));
    const mine = (method: string) => (kind === owner ? !others.has(routed(method)) : methods.includes(routed(method)));
    app.use(honoPath(path), ...middleware.map((step): MiddlewareHandler<AppEnv> => (c, next) => (mine(c.req.method) ? step(c, next) : next())));
  }
}

/**
 * The refusals a route documents: its kind's, the ones that apply to it, and its own, each with
 * the kind's error body (a named schema, so a reference).
 */
function refusals({ kind, config, options }: Route): RouteConfig["responses"] {
  const applies = (status: number) => {
    if (options.errors?.[status]) return true;
    if (status === 413 || status === 415) return config.request?.body !== undefined;
    // Any keyed request may name an agent (X-Agent-ID) that is not there.
    if (status === 404) return config.request?.params !== undefined || kind.keys !== null;
    // In-flight Idempotency-Keys exist on POSTs only; invalid input where there is input only.
    if (status === 409) return config.method === "post";
    if (status === 422) return config.request !== undefined;
    if (status === 405) return kind.methodNotAllowed !== undefined;
    return true;
  };
  const content = { [kind.error.contentType]: { schema: kind.error.schema } };
  const statuses = new Set([...Object.keys(kind.errors), ...Object.keys(options.errors ?? {})].map(Number));
  if (kind.keys) statuses.add(404);
  if (kind.methodNotAllowed) statuses.add(405);
  return Object.fromEntries(
    [...statuses].filter(applies).map((status) => {
      const common = kind.errors[status];
      const own = options.errors?.[status];
      // A route's own words come first; the kind's, where they say something else (an
      // Idempotency-Key's 409 or 422), are kept after them.
      const description = own && common && common !== own ? `${own}; or ${common.charAt(0).toLowerCase()}${common.slice(1)}` : (own ?? common);
      return [status, { description: description ?? unsaid[status], content }];
    }),
  );
}

const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .optional()
  .describe("Makes the POST safe to retry: the first answer is stored for 24 hours and replayed for the same request (README, Idempotency-Key)")
  .meta({ id: "IdempotencyKey" });

/** Every keyed POST takes an Idempotency-Key (its kind's pipeline honours it): the document says so. */
function withIdempotencyKey({ kind, config }: Route): RouteConfig["request"] {
  if (!kind.keys || config.method !== "post") return config.request;
  const headers = config.request?.headers;
  if (Array.isArray(headers)) throw new Error(`${config.path}: declare request headers as one object`);
  const declared = headers instanceof z.ZodObject ? headers : z.object({});
  return { ...config.request, headers: declared.extend({ "idempotency-key": IdempotencyKey }) };
}

// What a refusal every keyed route can give says where its kind has no words for it: any
// keyed request may name an agent (X-Agent-ID) that is not there, and a kind that answers
// unknown methods answers them on every path it serves.
const unsaid: Record<number, string> = {
  404: "X-Agent-ID names no agent of this workspace and mode",
  405: "A method the path does not serve; Allow lists the ones it does",
};

/** /v1/leads/{id} → /v1/leads/:id */
export function honoPath(path: string): string {
  return path.replaceAll(/\/{(.+?)}/g, "/:$1");
}
