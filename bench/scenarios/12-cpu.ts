// The Worker's own CPU per request (bench/cpu/profile.ts): each seed API's intake and GET /health,
// the Worker's module run in Node with the servers in another process, so nothing else (workerd,
// the queue consumer, the local servers) is in the figure. With `--baseline REV`, the Worker of
// that commit is measured too, in rounds alternating with this one, so a change's effect is read
// side by side from one run. The baseline runs against this checkout's migrations, seed code and
// node_modules: a revision whose schema or lockfile differs is not a fair baseline.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, type Scenario } from "../scenario.ts";

type Medians = Record<string, { answer: number; all: number }>;

const root = fileURLToPath(new URL("../..", import.meta.url));

export const scenario: Scenario = {
  name: "cpu",
  title: "Worker CPU per request, the request's own code alone",
  async run({ quick, log }) {
    const samples = quick ? 30 : 300;
    const at = process.argv.indexOf("--baseline");
    const baseline = at >= 0 ? process.argv[at + 1] : undefined;
    if (at >= 0 && (!baseline || baseline.startsWith("-"))) throw new Error("--baseline needs a revision");
    const rounds = baseline ? 3 : 1;
    const before: Medians[] = [];
    const now: Medians[] = [];
    const old = baseline ? checkout(baseline) : null;
    try {
      for (let round = 1; round <= rounds; round++) {
        if (old) {
          log(`cpu: round ${round}, ${baseline}`);
          before.push(await measure(old, samples));
        }
        log(`cpu: round ${round}, this commit`);
        now.push(await measure(root, samples));
      }
    } finally {
      if (old) removeCheckout(old);
    }
    const of = (runs: Medians[], name: string, field: "answer" | "all") => median(runs.map((m) => m[name]![field]));
    const names = Object.keys(now[0]!);
    const health = (runs: Medians[]) => of(runs, "GET /health", "answer");
    const f = (x: number) => x.toFixed(2);
    const rows = names.map((name) => {
      const answer = of(now, name, "answer");
      const cells = [name, f(answer), f(of(now, name, "all")), f(answer - health(now))];
      if (baseline) cells.push(f(of(before, name, "answer")), `${(answer / of(before, name, "answer")).toFixed(2)}×`);
      return `| ${cells.join(" | ")} |`;
    });
    return [
      `Command: \`npm run bench -- --only cpu${quick ? " --quick" : ""}${baseline ? ` --baseline ${baseline}` : ""}\`. Node ${process.version}; ${samples} requests of each kind per round, one at a time, after 30 to warm up; ${rounds === 1 ? "the median" : `medians of ${rounds} rounds, each a median`}.`,
      "",
      "CPU is this process's user + system time (process.cpuUsage) from the request to its answer read, and to its background work (waitUntil) done. The HTTP client here is undici, in JavaScript, where workerd's is native: both columns include it, alike for every request and /health (which makes one round trip to each store too).",
      "",
      `| request | CPU ms to the answer | with background work | above /health |${baseline ? ` ${baseline}, to the answer | now ÷ ${baseline} |` : ""}`,
      `|---|---|---|---|${baseline ? "---|---|" : ""}`,
      ...rows,
    ].join("\n");
  },
};

/** A worktree of `rev`, with this checkout's node_modules. */
function checkout(rev: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "ringback-baseline-")), "tree");
  execFileSync("git", ["worktree", "add", "--detach", dir, rev], { cwd: root, stdio: "ignore" });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function removeCheckout(dir: string): void {
  try {
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: root, stdio: "ignore" });
  } catch {
    // removed below, and `git worktree prune` forgets it
  }
  rmSync(dirname(dir), { recursive: true, force: true });
  execFileSync("git", ["worktree", "prune"], { cwd: root, stdio: "ignore" });
}

/** bench/cpu/profile.ts on the Worker of the checkout at `tree`, in a process of its own. */
function measure(tree: string, samples: number): Promise<Medians> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "bench/cpu/profile.ts"), "--json", "--root", tree], {
      cwd: root,
      env: { ...process.env, CPU_SAMPLES: String(samples) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last) as Medians);
      else reject(new Error(`bench/cpu/profile.ts exited ${code}: ${out.slice(-500)}`));
    });
  });
}
