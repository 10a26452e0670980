import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle as drizzleHttp } from "drizzle-orm/neon-http";
import * as schema from "./schema/index.ts";

export type Db = ReturnType<typeof makeHttpDb>;

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

// One client per isolate and database: it holds no connection and no request's state (each
// statement is its own fetch), while building one walks the whole schema for its relations,
// which was a tenth of an intake's CPU when it was built per request (bench/cpu).
const clients = new Map<string, Db>();

/**
 * The hot-path client: one HTTP round trip per statement, and `db.batch([...])` for writes that
 * must commit together. It holds no connection.
 */
export function httpDb(env: DbSettings): Db {
  useLocalStack(env);
  let db = clients.get(env.DATABASE_URL);
  if (!db) {
    db = makeHttpDb(env.DATABASE_URL);
    clients.set(env.DATABASE_URL, db);
  }
  return db;
}

function makeHttpDb(url: string) {
  return drizzleHttp({ client: neon(url), schema });
}
