import type { Hono } from "hono";
import type { Env } from "./env.ts";
import type { ErrorRenderer } from "./lib/errors.ts";
import type { Db } from "../db/client.ts";
import type { Caller } from "./lib/auth.ts";

/** What every handler sees: parsed settings as bindings, and per-request variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    db: Db;
    caller: Caller;
    // Set by compatibility routes so errors come out in their seed's exact shape.
    renderError?: ErrorRenderer;
    // Set once the request has been counted against the rate limits.
    rateLimited?: boolean;
  };
};

export type App = Hono<AppEnv>;
