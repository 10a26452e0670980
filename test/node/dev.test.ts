import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../dev/postgres.ts";

// `npm run dev` as a user runs it, pointed at this test run's database and Redis so it leaves
// the developer's own dev data alone.
const stack = inject("stack");
const dataDir = mkdtempSync(join(tmpdir(), "ringback-dev-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

type Run = { child: ChildProcess; output: () => string; base: string };

async function startDev(): Promise<Run> {
  const port = await freePort();
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "dev/dev.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      ...(stack.redisUrl && { REDIS_URL: stack.redisUrl }),
      PORT: String(port),
      RINGBACK_DATA_DIR: dataDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const started = Date.now();
  while (!output.includes("curl http") && Date.now() - started < 90_000) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited early:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output, base: `http://127.0.0.1:${port}` };
}

async function stop({ child }: Run): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGINT");
  return exited;
}

describe("npm run dev", () => {
  it("serves /health and /v1/me for the printed demo key, keeps keys out of its logs, and reuses its data", async () => {
    const first = await startDev();
    try {
      const curl = /curl (\S+) -H "Authorization: Bearer (rb_test_\w+)"/.exec(first.output());
      expect(curl, first.output()).not.toBeNull();
      const [, url, key] = curl!;
      expect(url).toBe(`${first.base}/v1/me`);

      const health = await fetch(`${first.base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok" });

      const me = await fetch(url!, { headers: { Authorization: `Bearer ${key}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ mode: "test", workspace: { name: "Demo" } });

      // A key in a query string is refused here, and must not reach wrangler's request log.
      const leaked = await fetch(`${first.base}/v1/me?api_key=${key}`);
      expect(leaked.status).toBe(401);
      await new Promise((r) => setTimeout(r, 500));
      const logged = first.output().split("curl http")[1]!.split("\n").slice(1).join("\n");
      expect(logged).toContain("/v1/me");
      expect(logged).not.toContain(key!.slice(8));
    } finally {
      expect(await stop(first)).toBe(0);
    }

    const second = await startDev();
    try {
      expect(second.output()).toContain("reusing the demo workspace");
      expect(second.output()).toContain("curl http");
    } finally {
      await stop(second);
    }
  }, 240_000);
});
