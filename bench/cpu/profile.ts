// The Worker's own CPU per request, without workerd, the queue consumer or the local servers:
// the Worker's module runs in this Node process, the servers in a child (stack.ts), so this
// process's CPU time (process.cpuUsage) is the request's JavaScript and its HTTP client alone.
// V8 is the engine workerd runs too; its fetch is native code there, and here it is undici's
// JavaScript, which the figures therefore overstate, alike for every request and /health.
//
//   npm run bench:cpu                      the table
//   npm run bench:cpu -- --profile NAME    where the time goes for one request (a V8 CPU profile)
//   … --root DIR                           the Worker of another checkout (bench/scenarios/12-cpu.ts)
//   … --json                               the medians as JSON, for compare.ts and the bench scenario
import { spawn } from "node:child_process";
import { Session } from "node:inspector/promises";
import { createInterface } from "node:readline";
import { drizzle } from "drizzle-orm/node-postgres";
import { eq } from "drizzle-orm";
import pg from "pg";
import { addAgent, addDomain, createKey, createWorkspace } from "../../admin/commands.ts";
import * as schema from "../../db/schema/index.ts";
import { median } from "../scenario.ts";
import { cases, type CpuCase } from "./cases.ts";
import { summarise } from "./summarise.ts";

const samples = Number(process.env.CPU_SAMPLES ?? 300);
const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const profileName = option("--profile");
const root = option("--root") ?? new URL("../..", import.meta.url).pathname;
const asJson = process.argv.includes("--json");

const child = spawn(process.execPath, ["--import", "tsx", new URL("./stack.ts", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
if (first.done) throw new Error(`bench/cpu/stack.ts ended before it was ready (exit ${child.exitCode})`);
const bindings = JSON.parse(first.value as string) as Record<string, string>;
const pool = new pg.Pool({ connectionString: bindings.DATABASE_URL });
try {
  const db = drizzle(pool, { schema });
  const made = await createWorkspace(db, { name: "CPU", plan: "enterprise" });
  const workspaceId = made.workspace.id;
  await db.update(schema.workspaces).set({ requestsPerHour: 10_000_000, callbacksPerPhonePerHour: 10_000_000 }).where(eq(schema.workspaces.id, workspaceId));
  const domain = await addDomain(db, { workspaceId, mode: "live", name: "cpu.example", country: "US", timezone: "America/New_York", callingHours: "00:00-23:59" });
  const agent = await addAgent(db, { workspaceId, mode: "live", name: "CPU Agent", phone: "+14155550100" });
  const agentKey = await createKey(db, { workspaceId, mode: "live", kind: "secret", agentId: agent.id });

  const { default: worker } = (await import(`${root}/functions/index.ts`)) as { default: { fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> } };
  const queue = { send: async () => {}, sendBatch: async () => {} };
  const env = { ...bindings, ENVIRONMENT: "development", DIALLER_ENABLED: "false", WEBHOOKS: queue, WEBHOOKS_SLOW: queue, CALLS: queue, ASSETS: { fetch: async () => new Response(null, { status: 404 }) } };
  const all = cases({ key: made.keys.live.key, agentKey: agentKey.key, agentId: agent.id, domainId: domain.id, widgetKey: domain.widget_key });

  /** CPU µs of one request to its answer, and with its background work (waitUntil). */
  async function once(item: CpuCase): Promise<{ answer: number; all: number }> {
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
    const start = process.cpuUsage();
    const res = await worker.fetch(item.request(), env, ctx);
    await res.arrayBuffer();
    const answered = process.cpuUsage(start);
    await Promise.allSettled(pending);
    const done = process.cpuUsage(start);
    if (res.status !== item.expected) throw new Error(`${item.name}: expected ${item.expected}, got ${res.status}`);
    return { answer: answered.user + answered.system, all: done.user + done.system };
  }

  if (profileName) {
    const item = all.find((c) => c.name.includes(profileName));
    if (!item) throw new Error(`no case named like ${profileName}`);
    for (let i = 0; i < 50; i++) await once(item);
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
    for (let i = 0; i < samples; i++) await once(item);
    const { profile } = await session.post("Profiler.stop");
    console.log(summarise(profile, samples));
  } else {
    const rows: string[] = [];
    const medians: Record<string, { answer: number; all: number }> = {};
    let health = { answer: 0, all: 0 };
    for (const item of [...all].reverse()) {
      for (let i = 0; i < 30; i++) await once(item); // warm: the key cache, the domain cache, V8's tiers
      const answer: number[] = [];
      const withBackground: number[] = [];
      for (let i = 0; i < samples; i++) {
        const m = await once(item);
        answer.push(m.answer / 1000);
        withBackground.push(m.all / 1000);
      }
      const m = { answer: median(answer), all: median(withBackground) };
      medians[item.name] = m;
      if (item.name === "GET /health") health = m;
      rows.unshift(`| ${item.name} | ${m.answer.toFixed(2)} | ${m.all.toFixed(2)} | ${(m.answer - health.answer).toFixed(2)} |`);
    }
    if (asJson) console.log(JSON.stringify(Object.fromEntries(all.map((item) => [item.name, medians[item.name]]))));
    else console.log(
      [
        `Worker CPU per request in Node ${process.version} (bench/cpu/profile.ts), medians of ${samples}, one request at a time; the servers in another process.`,
        "",
        "| request | CPU ms to the answer | with background work | to the answer, above /health |",
        "|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
  }
} finally {
  await pool.end();
  child.stdin!.end();
}
