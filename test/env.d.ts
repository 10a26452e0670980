// The bindings the test pool gives the Worker: wrangler.toml's, plus what test/setup/stack.ts
// provides (see test/vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    WEBHOOKS: Queue<unknown>;
    WEBHOOKS_SLOW: Queue<unknown>;
    CALLS: Queue<unknown>;
    ENVIRONMENT: string;
    DATABASE_URL: string;
    NEON_SQL_ENDPOINT?: string;
    NEON_WS_PROXY?: string;
    UPSTASH_REDIS_REST_URL: string;
    UPSTASH_REDIS_REST_TOKEN: string;
    REDIS_PREFIX: string;
    WEBHOOKS_ALLOW_LOOPBACK_HTTP: string;
    WEBHOOKS_FAST_TIMEOUT_MS: string;
    SECRETS_KEYS: string;
  }
}

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../functions/index.ts");
  }
}
