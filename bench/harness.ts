// What every benchmark needs: a throwaway database and Redis prefix, the local servers, and the
// Worker under `wrangler dev` on a free port, all stopped again by stop().
import { drizzle } from "drizzle-orm/node-postgres";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { applyMigrations } from "../db/migrate.ts";
import * as schema from "../db/schema/index.ts";
import { freePort, resolvePostgres, throwawayName } from "../dev/postgres.ts";
import { resolveRedis } from "../dev/redis.ts";
import { startLocalStack } from "../dev/stack.ts";
import { ready, startWrangler, stopChild } from "../dev/wrangler.ts";

export async function startBench(vars: Record<string, string> = {}) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const scratch = mkdtempSync(join(tmpdir(), "ringback-bench-"));
  const postgres = await resolvePostgres({ database: throwawayName("ringback_bench"), throwaway: true, dataDir: `${scratch}/pg` });
  await applyMigrations(postgres.url);
  const redis = await resolveRedis();
  const stack = await startLocalStack(postgres, redis, throwawayName("bench"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const wrangler = startWrangler({
    root,
    port,
    vars: { ...stack.bindings, ENVIRONMENT: "development", ...vars },
    varsFile: `${scratch}/vars`,
    persistTo: `${scratch}/wrangler`,
    quiet: process.env.BENCH_VERBOSE !== "1", // BENCH_VERBOSE=1 shows wrangler's own output
  });
  const pool = new pg.Pool({ connectionString: postgres.url });
  const stop = async () => {
    await pool.end();
    await stopChild(wrangler);
    await stack.close();
    await postgres.stop();
  };
  if (!(await ready(`${base}/health`))) {
    await stop();
    throw new Error("wrangler dev did not start");
  }
  return { base, stack, db: drizzle(pool, { schema }), stop };
}

export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Waits until `done()` holds, or throws after `timeoutMs`. */
export async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for deliveries");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A webhook endpoint for `url`, made through the API as a customer makes one: its id and secret. */
export async function createEndpoint(base: string, key: string, url: string): Promise<{ id: string; secret: string }> {
  const res = await fetch(`${base}/v1/webhook_endpoints`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ url }),
  });
  if (res.status !== 201) throw new Error(`creating an endpoint: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; secret: string };
}
