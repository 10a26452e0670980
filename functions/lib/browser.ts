import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context.ts";
import { activeKey } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { parseKey } from "./keys.ts";

const exposeHeaders = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit", "RateLimit-Policy", "Retry-After", "Idempotent-Replayed"];
const maxAgeSeconds = 600;

/**
 * Seed 001's call logs, as they always were: secret keys from web pages, so CORS answers any
 * origin and the key is checked on the request itself.
 */
export function anyOriginCors(methods: string[]): MiddlewareHandler<AppEnv> {
  return cors({
    origin: (origin) => origin,
    allowMethods: [...methods, "OPTIONS"],
    allowHeaders: ["Content-Type", "Authorization", "X-API-Key", "X-Agent-ID", "Idempotency-Key"],
    exposeHeaders,
    maxAge: maxAgeSeconds,
  });
}

/**
 * CORS for the routes publishable keys may call (mount.ts puts it on their paths), answered per
 * key. A preflight carries no key, so the page names its publishable key in the URL (`api_key`,
 * as embed.js does); the preflight looks it up and allows the Origin only if the key is active
 * and lists it. A preflight without a publishable key in its URL allows no origin: it cannot say
 * whose origins apply, and "some workspace's key lists this origin" would let any site a
 * customer trusts call with any other customer's key. A refused preflight is a 204 without
 * Access-Control-Allow-Origin, the same whether the key is unknown, revoked or elsewhere
 * allowed, so it tells a page nothing about keys. Other answers carry
 * Access-Control-Allow-Origin only when a publishable key of that origin made the request.
 * Every answer varies by Origin, so no cache hands one origin's answer to another.
 */
export function perKeyCors(methods: string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (c.req.method === "OPTIONS") {
      const headers = new Headers({ Vary: "Origin" });
      if (origin && c.req.header("access-control-request-method") && (await keyAllows(c, origin))) {
        headers.set("Access-Control-Allow-Origin", origin);
        headers.set("Access-Control-Allow-Methods", [...methods, "OPTIONS"].join(", "));
        headers.set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-API-Key, Idempotency-Key");
        headers.set("Access-Control-Max-Age", String(maxAgeSeconds));
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    c.header("Vary", "Origin", { append: true });
    const caller = c.get("caller") as AppEnv["Variables"]["caller"] | undefined;
    if (origin && caller?.key.kind === "publishable" && caller.key.allowedOrigins.includes(origin)) {
      c.header("Access-Control-Allow-Origin", origin);
      c.header("Access-Control-Expose-Headers", exposeHeaders.join(", "));
    }
  };
}

async function keyAllows(c: Context<AppEnv>, origin: string): Promise<boolean> {
  const key = c.req.query("api_key")?.trim();
  // Only a publishable key is looked up; anything else is refused without a query.
  if (!key || parseKey(key)?.kind !== "publishable") return false;
  const caller = await activeKey(c, key, null);
  return caller?.key.kind === "publishable" && caller.key.allowedOrigins.includes(origin);
}

/** The sandbox host (sandbox.<domain>, as seed 000 describes it) serves test keys only. */
export function sandboxTestKeysOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (new URL(c.req.url).hostname.startsWith("sandbox.") && c.var.caller.mode === "live") {
      throw new ApiError("forbidden", "The sandbox accepts test keys only (rb_test_…)");
    }
    await next();
  };
}
