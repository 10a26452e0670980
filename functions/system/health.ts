import { sql } from "drizzle-orm";
import type { App } from "../context.ts";
import { describeRoute } from "../lib/openapi.ts";
import { redisClient } from "../lib/redis.ts";
import { Health } from "../../schemas/health.ts";

const timeoutMs = 2000;

export function registerHealth(app: App) {
  describeRoute({
    method: "get",
    path: "/health",
    summary: "Health",
    description:
      "Always 200 while the Worker runs; `status` is `degraded` when PostgreSQL or Redis cannot be reached " +
      "within 2 s, and each check says which. Needs no key.",
    tags: ["system"],
    auth: "none",
    responses: { 200: { description: "Reachability of the database and Redis", schema: Health } },
  });

  app.get("/health", async (c) => {
    const [database, redis] = await Promise.all([
      check(() => c.var.db.execute(sql`select 1`)),
      check(() => redisClient(c.env).ping()),
    ]);
    const status = database.ok && redis.ok ? "ok" : "degraded";
    return c.json(Health.parse({ status, database, redis }));
  });
}

async function check(probe: () => Promise<unknown>): Promise<Health["database"]> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true, latency_ms: Date.now() - started };
  } catch (err) {
    // Driver messages can quote the connection string; report only the kind of failure.
    const error = err instanceof Error && err.message.startsWith("no answer") ? err.message : "unreachable";
    return { ok: false, latency_ms: Date.now() - started, error };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
