import { randomBytes } from "node:crypto";
import { newKeyring } from "./keyring.ts";
import { startNeonSql } from "./neon-sql.ts";
import type { Postgres } from "./postgres.ts";
import type { RedisChoice } from "./redis.ts";
import { startUpstashBridge } from "./upstash-bridge.ts";
import { startWsProxy } from "./ws-proxy.ts";

/** The Worker settings that point the production drivers at the local servers. */
export type LocalBindings = {
  DATABASE_URL: string;
  NEON_SQL_ENDPOINT?: string;
  NEON_WS_PROXY?: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  REDIS_PREFIX: string;
  SECRETS_KEYS: string;
};

export type LocalStack = {
  bindings: LocalBindings;
  redisBackend: "redis" | "memory";
  /** Round trips served so far by the SQL stand-in and the Redis bridge. */
  roundTrips(): { sql: number; redis: number };
  close(): Promise<void>;
};

const loopback = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Starts the servers the Worker's drivers talk to on this machine: the Neon `POST /sql`
 * stand-in and the WebSocket-to-TCP proxy in front of PostgreSQL, and the Upstash REST bridge
 * in front of Redis (or its in-memory stand-in).
 */
export async function startLocalStack(postgres: Postgres, redis: RedisChoice, redisPrefix: string): Promise<LocalStack> {
  const token = randomBytes(24).toString("base64url"); // made per run: nothing to commit or leak
  const bridge = await startUpstashBridge({ redisUrl: redis.url, token });
  const bindings: LocalBindings = {
    DATABASE_URL: postgres.url,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
    REDIS_PREFIX: redisPrefix,
    // Per run too, for the tests and benchmarks; `npm run dev` brings the keyring it keeps.
    SECRETS_KEYS: newKeyring("run"),
  };
  const closers = [bridge.close];
  let sqlRequests = () => 0;
  // A DATABASE_URL elsewhere (Neon itself) is reached directly; the stand-ins are for local servers.
  if (loopback.has(new URL(postgres.url).hostname)) {
    const sqlServer = await startNeonSql({});
    const wsProxy = await startWsProxy({});
    bindings.NEON_SQL_ENDPOINT = sqlServer.url;
    bindings.NEON_WS_PROXY = wsProxy.proxy;
    closers.push(sqlServer.close, wsProxy.close);
    sqlRequests = () => sqlServer.requests;
  }
  return {
    bindings,
    redisBackend: bridge.backend,
    roundTrips: () => ({ sql: sqlRequests(), redis: bridge.requests }),
    close: async () => {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}
