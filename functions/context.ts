import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "./env.ts";
import type { ErrorRenderer } from "./lib/errors.ts";
import type { Db } from "../db/client.ts";
import type { findKey } from "../db/queries/api-keys.ts";
import type { HeldKey, IdempotencyScope } from "../db/queries/idempotency.ts";
import type { InFlightMarker, PhoneLimit } from "./lib/ratelimit.ts";
import type { Mode, Owner } from "../schemas/scopes.ts";
import type { SignedParams } from "../schemas/twilio.ts";

/** What every handler sees: parsed settings as bindings, and per-request variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    db: Db;
    caller: Caller;
    // The caller's workspace and mode: what every query of a keyed route is scoped to.
    owner: Owner;
    // Set by compatibility routes so errors come out in their seed's exact shape.
    renderError?: ErrorRenderer;
    // Set once the request has been counted against the rate limits.
    rateLimited?: boolean;
    // The key requireKey let in. `cached`: it came from this isolate's cache (lib/key-cache.ts),
    // so it is not yet known to be unrevoked: the rate limit's round trip to Redis checks that
    // before the request is answered.
    keyCheck?: { id: string; hash: string; agentId: string | null; cached: boolean };
    // An Idempotency-Key that intake's write is to claim (lib/idempotency.ts, "in-write").
    idempotency?: IdempotencyClaim;
    // A Twilio callback's signed parameters, once its signature is verified.
    twilio?: SignedParams;
  };
};

export type App = OpenAPIHono<AppEnv>;

/**
 * A key for the write to claim, and what became of it: `marker`, its in-flight marker in Redis;
 * `claimed` once the write took it; `held` when another request holds it (null: one whose answer
 * is not known yet), and this request is to be answered from that one's response; `phone`, the
 * callback counted against a phone's limit, to be given back if so.
 */
export type IdempotencyClaim = {
  scope: IdempotencyScope;
  requestHash: string;
  marker: InFlightMarker;
  claimed: boolean;
  held?: HeldKey | null;
  phone?: PhoneLimit;
};

type Found = NonNullable<Awaited<ReturnType<typeof findKey>>>;

/** Who is calling: the key's workspace, mode and agent, set by requireKey (lib/auth.ts). */
export type Caller = {
  workspace: Found["workspace"];
  mode: Mode;
  key: Omit<Found["key"], "keyHash">;
  agent: Found["agent"];
};
