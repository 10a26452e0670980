// The Worker bundle as Cloudflare would get it: `npm run bundle` (wrangler deploy --dry-run, the
// production environment), its "Total Upload" raw and gzipped, and what it is made of, by
// package, from esbuild's metafile.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, type Scenario } from "../scenario.ts";

/** The budget (issue 14): under 500 KiB gzipped, aiming at 300. */
const budgetKiB = 500;

type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };

export const scenario: Scenario = {
  name: "bundle",
  title: "The Worker bundle",
  async run({ log }) {
    const outdir = mkdtempSync(join(tmpdir(), "ringback-bundle-"));
    const metafile = join(outdir, "meta.json");
    const output = execFileSync("sh", ["dev/offline.sh", "npx", "wrangler", "deploy", "--dry-run", "--outdir", outdir, "--env", "production", "--metafile", metafile], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const total = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
    if (!total) throw new Error(`wrangler printed no Total Upload:\n${output}`);
    const [raw, gzip] = [Number(total[1]), Number(total[2])];
    log(`${raw} KiB raw, ${gzip} KiB gzip`);

    const meta: Metafile = JSON.parse(readFileSync(metafile, "utf8"));
    const byPart = new Map<string, number>();
    for (const out of Object.values(meta.outputs)) {
      for (const [path, input] of Object.entries(out.inputs)) {
        byPart.set(partOf(path), (byPart.get(partOf(path)) ?? 0) + input.bytesInOutput);
      }
    }
    // As .mjs: Node would otherwise compile a .js file twice to guess its module format.
    copyFileSync(join(outdir, "index.js"), join(outdir, "index.mjs"));
    const imports = importTimes(join(outdir, "index.mjs"), 5);
    const all = [...byPart.values()].reduce((a, b) => a + b, 0);
    const top = [...byPart].sort((a, b) => b[1] - a[1]).slice(0, 12);
    const kib = (bytes: number) => (bytes / 1024).toFixed(1);
    return [
      "Command: `npm run bundle` (`wrangler deploy --dry-run --env production`), its \"Total Upload\".",
      "",
      "| raw | gzip | budget (gzip) |",
      "|---|---|---|",
      `| ${raw.toFixed(2)} KiB | ${gzip.toFixed(2)} KiB | under ${budgetKiB} KiB: ${gzip < budgetKiB ? "met" : "**missed**"} |`,
      "",
      `Starting it: a fresh Node process spends ${median(imports).toFixed(0)} ms of CPU importing the minified bundle (median of ${imports.length}; CPU time, not wall time, so a busy machine moves it less). That is parsing and module evaluation, mostly mounting the routes, before any request.`,
      "",
      "What it is made of, by package or folder (esbuild's metafile, bytes in the output before gzip):",
      "",
      "| part | KiB | share |",
      "|---|---|---|",
      ...top.map(([part, bytes]) => `| ${part} | ${kib(bytes)} | ${((100 * bytes) / all).toFixed(1)} % |`),
    ].join("\n");
  },
};

/** CPU milliseconds a fresh Node process spends importing the bundle, `runs` times. */
function importTimes(bundle: string, runs: number): number[] {
  const script = `const t = process.cpuUsage(); await import(${JSON.stringify(bundle)}); const d = process.cpuUsage(t); console.log((d.user + d.system) / 1000);`;
  return Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }).trim()));
}

/** `node_modules/zod/v4/…` → `zod`; `functions/compliance/…` → `functions/compliance`. */
function partOf(path: string): string {
  const modules = path.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const [scope, name] = path.slice(modules + "node_modules/".length).split("/");
    return scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? path);
  }
  const parts = path.replace(/^\.\.\//, "").split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : parts.join("/");
}
