import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context.ts";
import { ApiError } from "./errors.ts";

// Intake endpoints are called straight from web pages. A preflight carries no key, so CORS
// answers any origin; which origins a publishable key may really be used from is checked by
// requireKey against the key's allowed origins.
export function browserCors(methods: string[]): MiddlewareHandler<AppEnv> {
  return cors({
    origin: (origin) => origin,
    allowMethods: [...methods, "OPTIONS"],
    allowHeaders: ["Content-Type", "Authorization", "X-API-Key", "X-Agent-ID", "Idempotency-Key"],
    exposeHeaders: ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit", "RateLimit-Policy", "Retry-After", "Idempotent-Replayed"],
    maxAge: 600,
  });
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
