// The servers a CPU measurement talks to, in a process of their own (bench/cpu/profile.ts): a
// throwaway database and Redis prefix, the Neon SQL stand-in and the Upstash bridge. Prints the
// Worker's bindings as one line of JSON, then serves until its stdin closes.
import { applyMigrations } from "../../db/migrate.ts";
import { resolvePostgres, throwawayName } from "../../dev/postgres.ts";
import { resolveRedis } from "../../dev/redis.ts";
import { startLocalStack } from "../../dev/stack.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const scratch = mkdtempSync(join(tmpdir(), "ringback-cpu-"));
const postgres = await resolvePostgres({ database: throwawayName("ringback_cpu"), throwaway: true, dataDir: `${scratch}/pg` });
await applyMigrations(postgres.url);
const stack = await startLocalStack(postgres, await resolveRedis(), throwawayName("cpu"));
process.stdout.write(`${JSON.stringify(stack.bindings)}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  try {
    await stack.close();
  } finally {
    await postgres.stop();
    process.exit(0);
  }
});
