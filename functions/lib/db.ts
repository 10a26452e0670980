import { neon, neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle as drizzleHttp } from "drizzle-orm/neon-http";
import { drizzle as drizzleWs, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "../../db/schema/index.ts";
import type { Env } from "../env.ts";

export type Db = ReturnType<typeof httpDb>;
export type TxDb = NeonDatabase<typeof schema>;

// Points the Neon driver at the local stack's servers (dev/) when the settings name them.
// Production leaves both unset, so the driver keeps its defaults and talks to Neon.
function useLocalStack(env: Env): void {
  if (env.NEON_SQL_ENDPOINT) neonConfig.fetchEndpoint = env.NEON_SQL_ENDPOINT;
  if (env.NEON_WS_PROXY) {
    const proxy = env.NEON_WS_PROXY;
    neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
}

/**
 * The hot-path client: one HTTP round trip per statement, and `db.batch([...])` for writes that
 * must commit together. Made per request; it holds no connection.
 */
export function httpDb(env: Env) {
  useLocalStack(env);
  return drizzleHttp({ client: neon(env.DATABASE_URL), schema });
}

/**
 * Runs `work` in an interactive transaction over a WebSocket connection made for this call
 * alone. Only for the few places where a statement depends on the result of an earlier one in
 * the same transaction; everything else uses httpDb().
 */
export async function withTransaction<T>(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  work: (tx: Parameters<Parameters<TxDb["transaction"]>[0]>[0]) => Promise<T>,
): Promise<T> {
  useLocalStack(env);
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: 1 });
  try {
    return await drizzleWs({ client: pool, schema }).transaction(work);
  } finally {
    ctx.waitUntil(pool.end());
  }
}
