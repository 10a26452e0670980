// `npm run bench`: runs every scenario in bench/scenarios/ (in the order of their file names)
// and rewrites bench/RESULTS.md. Each section is headed with the date, the commit, the core
// count and the exact command that produced it, and is written as soon as its scenario ends, so
// an interrupted run keeps what it measured.
//
//   npm run bench                      every scenario, full size (1M rows where a scenario grows data)
//   npm run bench -- --quick           10k rows at most: under 5 minutes
//   npm run bench -- --only lists,bundle
//                                      only these; the other sections of RESULTS.md are kept as they are
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Scenario } from "./scenario.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",").filter(Boolean) : null;

const results = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const folder = new URL("./scenarios/", import.meta.url);
const scenarios: Scenario[] = [];
for (const file of readdirSync(folder).filter((f) => f.endsWith(".ts")).sort()) {
  const module: { scenario?: Scenario } = await import(new URL(file, folder).href);
  if (!module.scenario) throw new Error(`bench/scenarios/${file} exports no scenario`);
  scenarios.push(module.scenario);
}
const unknown = (only ?? []).filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`bench: no scenario ${unknown.join(", ")}; there are ${scenarios.map((s) => s.name).join(", ")}`);
  process.exit(2);
}

const git = (...a: string[]) => execFileSync("git", a, { encoding: "utf8" }).trim();
const commit = `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") ? " with uncommitted changes" : ""}`;
const command = `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`;
const cores = availableParallelism();

const head = `# Benchmark results

Written by \`npm run bench\` (bench/run.ts); do not edit by hand. Each section says when, on which
commit and with which command it was measured. Timed figures are medians of requests taken side by
side with \`GET /health\` in the same run, so the ratio is what carries from machine to machine.
Earlier, hand-run results: [HISTORY.md](HISTORY.md).
`;
const marker = (name: string) => [`<!-- scenario:${name} -->`, `<!-- /scenario:${name} -->`] as const;

/** The sections now in RESULTS.md, by scenario name. */
function existingSections(): Map<string, string> {
  const sections = new Map<string, string>();
  let text = "";
  try {
    text = readFileSync(results, "utf8");
  } catch {
    return sections;
  }
  for (const s of scenarios) {
    const [open, close] = marker(s.name);
    const from = text.indexOf(open);
    const to = text.indexOf(close);
    if (from >= 0 && to > from) sections.set(s.name, text.slice(from, to + close.length));
  }
  return sections;
}

const sections = only ? existingSections() : new Map<string, string>();
const write = () => {
  const body = scenarios.flatMap((s) => (sections.has(s.name) ? [sections.get(s.name)] : []));
  writeFileSync(results, `${head}\n${body.join("\n\n")}\n`);
};

let failed = false;
for (const s of scenarios) {
  if (only && !only.includes(s.name)) continue;
  console.log(`bench: ${s.name}…`);
  const started = Date.now();
  const date = new Date().toISOString().slice(0, 10);
  let figures: string;
  try {
    figures = await s.run({ quick, log: (line) => console.log(`  ${s.name}: ${line}`) });
  } catch (err) {
    failed = true;
    console.error(`bench: ${s.name} failed`, err);
    figures = `**Failed:** ${err instanceof Error ? err.message : String(err)}`;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const [open, close] = marker(s.name);
  sections.set(
    s.name,
    `${open}\n## ${s.title}\n\n${date}, commit ${commit}, ${cores} cores, \`${command}\` (${seconds} s${quick ? ", quick mode" : ""}).\n\n${figures.trim()}\n${close}`,
  );
  write();
}
console.log(`bench: wrote ${results}`);
process.exit(failed ? 1 : 0);
