// The Worker bundle as Cloudflare would get it: `npm run bundle` (wrangler deploy --dry-run, the
// production environment), its "Total Upload" raw and gzipped, and what it is made of, by
// package, from esbuild's metafile.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Scenario } from "../scenario.ts";

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
      "What it is made of, by package or folder (esbuild's metafile, bytes in the output before gzip):",
      "",
      "| part | KiB | share |",
      "|---|---|---|",
      ...top.map(([part, bytes]) => `| ${part} | ${kib(bytes)} | ${((100 * bytes) / all).toFixed(1)} % |`),
    ].join("\n");
  },
};

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
