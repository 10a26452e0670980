import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import type { Route } from "./route.ts";

// The headers Ringback answers with, each described once (components.headers) and named on the
// responses that carry it: the rate limit's on the answers of a keyed route (lib/ratelimit.ts),
// Retry-After on a 429 or a 503, Idempotent-Replayed on a replayed POST (lib/idempotency.ts),
// Allow on a 405.

const described = {
  "X-RateLimit-Limit": "Requests the workspace may make per hour",
  "X-RateLimit-Remaining": "Requests left in the current hour",
  "X-RateLimit-Reset": "Unix seconds when the window has room again",
  RateLimit: 'IETF draft-ietf-httpapi-ratelimit-headers: what is left of each policy, e.g. "workspace";r=99;t=3600',
  "RateLimit-Policy": 'IETF draft-ietf-httpapi-ratelimit-headers: each policy, e.g. "workspace";q=100;w=3600',
  "Retry-After": "Seconds to wait before retrying",
  "Idempotent-Replayed": "true when this is the stored answer to an earlier request with the same Idempotency-Key",
  Allow: "The methods the path serves (with OPTIONS where browsers may call it)",
} as const;
type Header = keyof typeof described;

const rateLimit: Header[] = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit", "RateLimit-Policy"];

const registered = new WeakSet<OpenAPIHono<AppEnv>>();

/** Puts the header descriptions in the document, once per app. */
export function registerHeaders(app: OpenAPIHono<AppEnv>): void {
  if (registered.has(app)) return;
  registered.add(app);
  for (const [name, description] of Object.entries(described)) {
    app.openAPIRegistry.registerComponent("headers", name, { description, schema: { type: "string" } });
  }
}

/** The route's responses, each naming the headers it carries. */
export function withHeaders({ kind, config }: Route, responses: RouteConfig["responses"]): RouteConfig["responses"] {
  const keyed = kind.keys !== null;
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const names: Header[] = [];
      // Refusals carry them too, but a client reads them where it plans: an answer, and a 429.
      if (keyed && (status.startsWith("2") || status === "429")) names.push(...rateLimit);
      if (status === "429" || status === "503") names.push("Retry-After");
      if (status === "405") names.push("Allow");
      if (keyed && config.method === "post" && status.startsWith("2")) names.push("Idempotent-Replayed");
      if (names.length === 0 || "$ref" in response) return [status, response];
      const headers = Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
      return [status, { ...response, headers }];
    }),
  );
}
