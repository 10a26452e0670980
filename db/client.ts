import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle as drizzleHttp } from "drizzle-orm/neon-http";
import * as schema from "./schema/index.ts";

export type Db = ReturnType<typeof httpDb>;

/** The settings the client reads (the Worker's Env has them; so does a script's). */
export type DbSettings = { DATABASE_URL: string; NEON_SQL_ENDPOINT?: string; NEON_WS_PROXY?: string };

// Points the Neon driver at the local stack's servers (dev/) when the settings name them.
// Production leaves both unset, so the driver keeps its defaults and talks to Neon.
function useLocalStack(env: DbSettings): void {
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
export function httpDb(env: DbSettings) {
  useLocalStack(env);
  return drizzleHttp({ client: neon(env.DATABASE_URL), schema });
}
