import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { freePort } from "../../dev/postgres.ts";

// `npm run dev` as a user runs it, pointed at this test run's database and Redis (and a data
// directory of the test's own) so it leaves the developer's dev data alone.

export type DevRun = { child: ChildProcess; output: () => string; base: string };

const root = fileURLToPath(new URL("../..", import.meta.url));
// Generous: the machine has two shared cores and may be busy with the rest of the suite.
const readyWithinMs = 180_000;

function spawnDev(dataDir: string, port: number): DevRun {
  const stack = inject("stack");
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "dev/dev.ts"], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      ...(stack.redisUrl && { REDIS_URL: stack.redisUrl }),
      PORT: String(port),
      RINGBACK_DATA_DIR: dataDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return { child, output: () => output, base: `http://127.0.0.1:${port}` };
}

/** A run expected to refuse to start: its exit code and everything it printed. */
export async function devRefusal(dataDir: string, port: number): Promise<{ code: number | null; output: string }> {
  const run = spawnDev(dataDir, port);
  const code = await new Promise<number | null>((resolve) => run.child.once("exit", (c) => resolve(c)));
  return { code, output: run.output() };
}

export async function startDev(dataDir: string): Promise<DevRun> {
  const run = spawnDev(dataDir, await freePort());
  const { child, output } = run;
  const started = Date.now();
  // dev.ts prints its curl line once /health answers.
  while (!output().includes("curl http")) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited early:\n${output()}`);
    if (Date.now() - started > readyWithinMs) {
      await stopDev(run);
      throw new Error(`npm run dev was not ready within ${readyWithinMs / 1000} s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return run;
}

/** Stops it as a user would (Ctrl-C), and says how it exited. */
export function stopDev({ child }: DevRun): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGINT");
  return exited;
}
