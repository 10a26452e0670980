import { sql } from "drizzle-orm";
import { redisClient } from "../lib/redis.ts";
import { publicRoute } from "../routes/kinds/public.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { Health } from "../../schemas/health.ts";

const timeoutMs = 2000;

export const health = defineRoute(publicRoute, {
  method: "get",
  path: "/health",
  summary: "Health",
  description:
    "Always 200 while the Worker runs; `status` is `degraded` when PostgreSQL or Redis cannot be reached " +
    "within 2 s, and each check says which. Needs no key.",
  tags: ["system"],
  responses: { 200: jsonResponse("Reachability of the database and Redis", Health) },
}, async (c) => {
  const [database, redis] = await Promise.all([
    check(() => c.var.db.execute(sql`select 1`)),
    check(() => redisClient(c.env).ping()),
  ]);
  const status = database.ok && redis.ok ? "ok" : "degraded";
  return c.json(Health.parse({ status, database, redis }), 200);
});

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
