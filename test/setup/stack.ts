import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../db/migrate.ts";
import { resolvePostgres, throwawayName } from "../../dev/postgres.ts";
import { resolveRedis } from "../../dev/redis.ts";
import { startLocalStack, type LocalBindings } from "../../dev/stack.ts";
import { installFaults } from "./faults.ts";

export type TestStack = {
  bindings: LocalBindings & { ENVIRONMENT: "test"; WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true"; WEBHOOKS_FAST_TIMEOUT_MS: string; DIALLER_ENABLED: "false" };
  databaseUrl: string;
  redisUrl: string | undefined;
  sources: { postgres: string; redis: string };
};

declare module "vitest" {
  interface ProvidedContext {
    stack: TestStack;
  }
}

/**
 * Global setup for both test projects: a real PostgreSQL and Redis (or, failing those, the
 * embedded server and the in-memory stand-in), a fresh database and Redis key prefix for this
 * run, the migrations, and the local servers the Worker's drivers reach them through.
 */
export default async function setup(project: TestProject) {
  const runId = throwawayName("ringback_test");
  const postgres = await resolvePostgres({
    database: runId,
    throwaway: true,
    dataDir: fileURLToPath(new URL("../../.data/pg-test", import.meta.url)),
  });
  const redis = await resolveRedis();
  if (redis.url === undefined && process.env.REQUIRE_REAL_REDIS) {
    await postgres.stop();
    throw new Error("REQUIRE_REAL_REDIS is set but no Redis was reachable (REDIS_URL or 127.0.0.1:6379)");
  }
  await applyMigrations(postgres.url);
  await installFaults(postgres.url);
  const stack = await startLocalStack(postgres, redis, runId);
  console.log(
    `test stack: PostgreSQL from ${postgres.source} (database ${new URL(postgres.url).pathname.slice(1)}), ` +
      `Redis from ${redis.source} (prefix ${runId})`,
  );
  if (redis.url === undefined) console.warn("test stack: WARNING: Redis is the in-memory stand-in");

  project.provide("stack", {
    // Webhook tests deliver to receivers on 127.0.0.1 (test/setup/webhook-lab.ts).
    // The fast lane's deadline is 5 s here, not 1 s: a loopback receiver on a busy two-core
    // machine may take over a second, and a test of a healthy delivery must not see it as slow.
    bindings: { ...stack.bindings, ENVIRONMENT: "test", WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true", WEBHOOKS_FAST_TIMEOUT_MS: "5000", DIALLER_ENABLED: "false" },
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    sources: { postgres: postgres.source, redis: redis.source },
  });

  return async () => {
    await stack.close();
    await postgres.stop();
  };
}
