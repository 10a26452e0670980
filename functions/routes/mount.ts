import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { registerHeaders, withHeaders } from "./headers.ts";
import type { Route, RouteKind } from "./route.ts";

/**
 * Mounts each route with its kind's pipeline and documents it, in one step: a route that
 * answers is a route in the document. Path-wide middleware (error dialect, CORS) is mounted
 * once per path, and a kind that answers unknown methods itself gets the last word on its paths.
 */
export function mountRoutes(app: OpenAPIHono<AppEnv>, routes: Route[]): void {
  registerHeaders(app);
  const paths = new Map<string, { kind: RouteKind; config: RouteConfig; methods: string[] }>();
  for (const route of routes) {
    for (const path of [route.config.path, ...(route.options.aliases ?? [])]) {
      const seen = paths.get(path);
      if (seen && seen.kind !== route.kind) throw new Error(`${path} is served by two kinds of route: ${seen.kind.name} and ${route.kind.name}`);
      if (seen) seen.methods.push(route.config.method.toUpperCase());
      else {
        paths.set(path, { kind: route.kind, config: route.config, methods: [route.config.method.toUpperCase()] });
        app.use(honoPath(path), ...route.kind.pathMiddleware(route.config));
      }
    }
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

  for (const [path, { kind, methods }] of paths) {
    if (kind.methodNotAllowed) app.all(honoPath(path), kind.methodNotAllowed(methods));
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
