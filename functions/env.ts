import { z } from "zod";
import { Keyring, KeyringError, keyringFormat } from "./lib/secrets.ts";

// The Worker's settings. Parsed once at the start of `fetch`, `queue` and `scheduled`, so a
// missing or malformed setting fails loudly and by name instead of deep inside a handler.
const Settings = z
  .object({
    ENVIRONMENT: z.enum(["production", "development", "test"]).default("production"),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
    UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
    // Namespaces every Redis key, so test runs and environments can share one Redis.
    REDIS_PREFIX: z.string().min(1).default("rb"),
    // Local stack only (dev/): where the Neon driver finds the `POST /sql` stand-in and the
    // WebSocket-to-TCP proxy in front of a plain PostgreSQL. Production talks to Neon itself.
    NEON_SQL_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    NEON_WS_PROXY: z.string().min(1).optional(),
    // Local development only: lets webhook endpoints be plain http on 127.0.0.1 or [::1], any
    // port, so a receiver on this machine can be used. Everything else stays https on 443.
    WEBHOOKS_ALLOW_LOOPBACK_HTTP: z
      .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
      .default(false)
      .transform((v) => v === true || v === "true" || v === "1"),
    // Telephony for live keys (test keys use the sandbox and need none of these). PUBLIC_URL is
    // where Twilio reaches this Worker: its status callbacks are signed over URLs built from it.
    // TWILIO_API_BASE is Twilio's REST API unless pointed elsewhere (tests use a fake on loopback).
    // The TWILIO_* settings are read only by the Twilio provider (functions/calls/twilio.ts) and
    // its routes (functions/telephony/), never by the dialler.
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    // Off: callbacks are accepted and scheduled but nobody is called, neither right after intake
    // nor by the cron (a staging deployment; the test suite, which dials only where it means to).
    DIALLER_ENABLED: z
      .union([z.boolean(), z.enum(["true", "false", "1", "0"])])
      .default(true)
      .transform((v) => v === true || v === "true" || v === "1"),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be an Account SID (AC…)").optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_CALLER_ID: z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number").optional(),
    TWILIO_API_BASE: z.url({ protocol: /^https?$/ }).default("https://api.twilio.com"),
    // How long the fast webhook lane waits for a receiver before handing it to the slow lane.
    WEBHOOKS_FAST_TIMEOUT_MS: z.coerce.number().int().min(100).max(15_000).default(1_000),
    // The keyring that seals webhook and agent secrets at rest (lib/secrets.ts). Required in every
    // environment: there is no plaintext mode to fall back to. An issue names the entry at fault,
    // never a key.
    SECRETS_KEYS: z
      .string({ error: (issue) => (issue.input === undefined ? `missing: the keyring that seals webhook secrets, ${keyringFormat}` : "must be a string") })
      .transform((text, ctx) => {
        try {
          return Keyring.parse(text);
        } catch (err) {
          if (!(err instanceof KeyringError)) throw err;
          ctx.addIssue({ code: "custom", message: err.message });
          return z.NEVER;
        }
      }),
  })
  .refine((s) => s.ENVIRONMENT !== "production" || (!s.NEON_SQL_ENDPOINT && !s.NEON_WS_PROXY), {
    message: "NEON_SQL_ENDPOINT and NEON_WS_PROXY are for the local stack and must not be set in production",
    path: ["NEON_SQL_ENDPOINT"],
  })
  .refine((s) => s.ENVIRONMENT !== "production" || !s.WEBHOOKS_ALLOW_LOOPBACK_HTTP, {
    message: "WEBHOOKS_ALLOW_LOOPBACK_HTTP is for local development and must not be set in production",
    path: ["WEBHOOKS_ALLOW_LOOPBACK_HTTP"],
  });

export type Settings = z.infer<typeof Settings>;

/** Bindings as Cloudflare hands them to the Worker. */
export type Bindings = {
  WEBHOOKS: Queue<unknown>;
  WEBHOOKS_SLOW: Queue<unknown>;
  CALLS: Queue<unknown>;
  ASSETS: Fetcher;
} & Record<string, unknown>;

/** Bindings after parsing: settings typed and defaulted, queues and assets as they are. */
export type Env = Settings & { WEBHOOKS: Queue<unknown>; WEBHOOKS_SLOW: Queue<unknown>; CALLS: Queue<unknown>; ASSETS: Fetcher };

export class EnvError extends Error {
  override name = "EnvError";
}

// Parsing runs per invocation; the result is cached per bindings object, which Cloudflare
// reuses across requests of one isolate.
const parsed = new WeakMap<object, Env>();

export function parseEnv(bindings: Bindings): Env {
  const cached = parsed.get(bindings);
  if (cached) return cached;
  const result = Settings.safeParse(bindings);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`);
    throw new EnvError(`Ringback is misconfigured: ${problems.join("; ")}`);
  }
  for (const queue of ["WEBHOOKS", "WEBHOOKS_SLOW", "CALLS"] as const) {
    if (typeof (bindings[queue] as Queue<unknown> | undefined)?.send !== "function") {
      throw new EnvError(`Ringback is misconfigured: ${queue}: queue binding is missing (see wrangler.toml)`);
    }
  }
  // The static assets (the API reference's script, GET /docs), from wrangler.toml's [assets].
  if (typeof (bindings.ASSETS as Fetcher | undefined)?.fetch !== "function") {
    throw new EnvError("Ringback is misconfigured: ASSETS: static assets binding is missing (see wrangler.toml)");
  }
  const env: Env = { ...result.data, WEBHOOKS: bindings.WEBHOOKS, WEBHOOKS_SLOW: bindings.WEBHOOKS_SLOW, CALLS: bindings.CALLS, ASSETS: bindings.ASSETS };
  parsed.set(bindings, env);
  return env;
}
