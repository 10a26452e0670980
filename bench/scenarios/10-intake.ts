// Intake on each of the five seed APIs, a replay with an Idempotency-Key, the 429 path and two
// reads, each side by side with GET /health: latency, round trips per request counted at the
// local servers (on the request path, and in all), and the Worker's CPU per request.
//
// Round trips "on the path" are those the servers had counted when the response arrived (one
// request at a time). Background work (waitUntil: the outbox's enqueue, a key's last use, and the
// queue consumer's fan-out of the events, which runs in the same workerd) can land before the
// client reads the counter, so a single request's count is an upper bound; the path figure is the
// fewest counted over the samples, and the mean is shown beside it. "In all" adds what came in
// during a 300 ms pause after each request, the consumer's work on its events included.
//
// CPU is the workerd processes' utime + stime (/proc/<pid>/stat), which the queue consumer's
// fan-out of the request's events is part of: blocks of requests of one kind alternate with
// blocks of GET /health, and the figure is the median over the blocks, per request, so a busy
// machine weighs on both alike.
import { readdirSync, readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { addAgent, addDomain, createKey, createWorkspace } from "../../admin/commands.ts";
import { workspaces } from "../../db/schema/index.ts";
import { startBench } from "../harness.ts";
import { median, ms, type Scenario, timeSideBySide, times } from "../scenario.ts";

type Case = { name: string; request: () => Promise<Response>; expected: number; prepare?: () => Promise<void> };

export const scenario: Scenario = {
  name: "intake",
  title: "Intake: the five seed APIs, Idempotency-Key, 429, round trips and Worker CPU",
  async run({ quick, log }) {
    // Quick mode stays within about a minute on a quiet machine (the whole quick run has 5).
    const samples = quick ? 30 : 300;
    const tripsOf = quick ? 5 : 50;
    const cpuOf = quick ? 20 : 300;
    // The dialler is off: this measures intake alone (bench/trigger.ts measures dialling).
    const bench = await startBench({ DIALLER_ENABLED: "false" });
    try {
      const { base, stack, db } = bench;
      const made = await createWorkspace(db, { name: "Bench", plan: "enterprise" });
      const workspaceId = made.workspace.id;
      // Every request a new phone, and no per-phone limit in the way: this measures intake, not the limit.
      await db.update(workspaces).set({ requestsPerHour: 10_000_000, callbacksPerPhonePerHour: 10_000_000 }).where(eq(workspaces.id, workspaceId));
      const domain = await addDomain(db, { workspaceId, mode: "live", name: "bench.example", country: "US", timezone: "America/New_York", callingHours: "00:00-23:59" });
      const agent = await addAgent(db, { workspaceId, mode: "live", name: "Bench Agent", phone: "+14155550100" });
      const agentKey = await createKey(db, { workspaceId, mode: "live", kind: "secret", agentId: agent.id });
      const key = made.keys.live.key;
      // A workspace whose hourly limit is spent: the 429 path.
      const spent = await createWorkspace(db, { name: "Spent", plan: "free", requestsPerHour: 1 });
      const spentDomain = await addDomain(db, { workspaceId: spent.workspace.id, mode: "live", name: "spent.example" });

      let n = 0;
      const phone = () => `+1415555${String(1000 + (n++ % 9000)).padStart(4, "0")}`;
      const national = () => `(415) 555-${String(1000 + (n++ % 9000)).padStart(4, "0")}`;
      const json = (path: string, body: unknown, headers: Record<string, string> = {}, apiKey = key) => () =>
        fetch(`${base}${path}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}`, ...headers },
          body: JSON.stringify(body),
        });
      const formResponse = (to = phone(), domainId = domain.id) => ({ form_response: { domain_id: domainId, form_data: { name: "Bench", phone: to, message: `m${n}` } } });
      const replayKey = crypto.randomUUID();
      const replayBody = formResponse();

      const cases: Case[] = [
        { name: "CallMeBack POST /api/v1/form_responses", request: () => json("/api/v1/form_responses", formResponse())(), expected: 201 },
        { name: "… a national number (the domain's country)", request: () => json("/api/v1/form_responses", formResponse(national()))(), expected: 201 },
        { name: "… with a new Idempotency-Key", request: () => json("/api/v1/form_responses", formResponse(), { "Idempotency-Key": crypto.randomUUID() })(), expected: 201 },
        { name: "… the same Idempotency-Key replayed", request: json("/api/v1/form_responses", replayBody, { "Idempotency-Key": replayKey }), expected: 201 },
        {
          name: "callvine POST /webhook.php",
          request: () =>
            json("/webhook.php", { from_phone: phone().slice(2), to_phone: "8006000009", handled_by: "Agent Smith", start_time: "2024-01-15 09:00:00", end_time: "2024-01-15 09:15:00", recording_url: "https://example.com/recordings/call123.wav" })(),
          expected: 201,
        },
        { name: "Calldock POST /v1/make-call", request: () => json("/v1/make-call", { phone: phone() }, { "X-Agent-ID": agent.id }, agentKey.key)(), expected: 200 },
        { name: "Brightcall POST /rest/v1/ext/add_call_api/", request: () => json("/rest/v1/ext/add_call_api/", { widget_key: domain.widget_key, lc_number: phone() })(), expected: 201 },
        { name: "LimeCall POST /v1/callbacks", request: () => json("/v1/callbacks", { phone: phone() })(), expected: 201 },
        { name: "429: POST /api/v1/form_responses over the hourly limit", request: () => json("/api/v1/form_responses", formResponse(phone(), spentDomain.id), {}, spent.keys.live.key)(), expected: 429, prepare: spend },
        { name: "GET /v1/events", request: () => fetch(`${base}/v1/events?limit=10`, { headers: { Authorization: `Bearer ${key}` } }), expected: 200 },
        { name: "GET /v1/webhook_endpoints", request: () => fetch(`${base}/v1/webhook_endpoints`, { headers: { Authorization: `Bearer ${key}` } }), expected: 200 },
        { name: "GET /health", request: () => fetch(`${base}/health`), expected: 200 },
      ];

      // Spend the limit, and store the first answer of the replayed key. A limit of one an hour is
      // open again for one request just after the hour turns (the sliding window weighs the last
      // hour's one request at less than one), so it is spent again before each measurement.
      async function spend() {
        await (await json("/api/v1/form_responses", formResponse(phone(), spentDomain.id), {}, spent.keys.live.key)()).arrayBuffer();
      }
      await spend();
      await (await json("/api/v1/form_responses", replayBody, { "Idempotency-Key": replayKey })()).arrayBuffer();

      const rows: string[] = [];
      const cpu: string[] = [];
      const health = cases.find((c) => c.name === "GET /health")!;
      for (const item of cases) {
        await item.prepare?.();
        const probe = await item.request();
        const text = await probe.text();
        if (probe.status !== item.expected) throw new Error(`${item.name}: expected ${item.expected}, got ${probe.status}: ${text.slice(0, 300)}`);
      }
      for (const item of cases) {
        log(`intake: ${item.name}`);
        await item.prepare?.();
        const t = await timeSideBySide(base, item.request, item.expected, { samples, warmup: 10 });
        await item.prepare?.();
        const trips = await roundTrips(stack, item, tripsOf);
        const f = (x: number) => x.toFixed(2);
        rows.push(
          `| ${item.name} | ${ms(t.p50)} | ${ms(t.health)} | ${times(t.ratio)} | ${trips.minSql} + ${trips.minRedis} | ${f(trips.pathSql)} + ${f(trips.pathRedis)} | ${f(trips.allSql)} + ${f(trips.allRedis)} |`,
        );
        if (item !== health && (item.expected !== 200 || item.name.includes("make-call"))) {
          await item.prepare?.();
          const m = await cpuBesideHealth(item, health, cpuOf);
          cpu.push(`| ${item.name} | ${ms(m.item)} | ${ms(m.health)} | ${ms(m.item - m.health)} |`);
        }
      }
      return [
        `Command: \`npm run bench -- --only intake${quick ? " --quick" : ""}\`. Dialler off; one enterprise workspace, a new phone number on every request. Redis: ${stack.redisBackend}.`,
        "",
        `Latency: medians of ${samples} requests, each followed by a GET /health (timeSideBySide). Round trips: PostgreSQL + Redis per request, mean of ${tripsOf}, one request at a time; "on the path" is what the servers had counted when the response arrived, "in all" adds a 300 ms pause after it.`,
        "",
        "| request | p50 ms | /health p50 ms | ratio | on the path, fewest (PG + Redis) | on the path, mean | in all, mean |",
        "|---|---|---|---|---|---|---|",
        ...rows,
        "",
        `Worker CPU: the workerd processes' utime + stime per request, one request at a time, in blocks of 20 alternating with blocks of GET /health, ${cpuOf} of each; medians of the blocks.`,
        "",
        "| request | CPU ms per request | /health CPU ms | above /health |",
        "|---|---|---|---|",
        ...cpu,
      ].join("\n");
    } finally {
      await bench.stop();
    }
  },
};

async function roundTrips(stack: { roundTrips(): { sql: number; redis: number } }, item: Case, count: number) {
  let pathSql = 0;
  let pathRedis = 0;
  let allSql = 0;
  let allRedis = 0;
  let minSql = Number.POSITIVE_INFINITY;
  let minRedis = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const before = stack.roundTrips();
    const res = await item.request();
    const answered = stack.roundTrips();
    await res.arrayBuffer();
    if (res.status !== item.expected) throw new Error(`${item.name}: expected ${item.expected}, got ${res.status}: ${await res.text().catch(() => "")}`);
    await new Promise((r) => setTimeout(r, 300));
    const after = stack.roundTrips();
    minSql = Math.min(minSql, answered.sql - before.sql);
    minRedis = Math.min(minRedis, answered.redis - before.redis);
    pathSql += answered.sql - before.sql;
    pathRedis += answered.redis - before.redis;
    allSql += after.sql - before.sql;
    allRedis += after.redis - before.redis;
  }
  return { minSql, minRedis, pathSql: pathSql / count, pathRedis: pathRedis / count, allSql: allSql / count, allRedis: allRedis / count };
}

/** CPU ms per request of `item` and of GET /health: medians over alternating blocks of 20. */
async function cpuBesideHealth(item: Case, health: Case, count: number): Promise<{ item: number; health: number }> {
  const block = 20;
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let done = 0; done < count; done += block) {
    mine.push(await cpuPerRequest(item, block));
    theirs.push(await cpuPerRequest(health, block));
  }
  return { item: median(mine), health: median(theirs) };
}

/** CPU ms of the workerd processes (this process's descendants) per request of `item`, one at a time. */
async function cpuPerRequest(item: Case, count: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 300)); // the previous requests' background work
  const start = workerdTicks();
  for (let i = 0; i < count; i++) {
    const res = await item.request();
    await res.arrayBuffer();
    if (res.status !== item.expected) throw new Error(`${item.name}: expected ${item.expected}, got ${res.status}`);
  }
  await new Promise((r) => setTimeout(r, 300)); // this block's background work, the consumer's included
  const ticks = workerdTicks() - start;
  return (ticks * 10) / count; // 100 ticks a second (getconf CLK_TCK on Linux)
}

/** utime + stime, in clock ticks, of every workerd process below this one. */
function workerdTicks(): number {
  const stats = new Map<number, { ppid: number; comm: string; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid … field 14 utime, 15 stime; comm may hold spaces, so split after ")".
      const close = text.lastIndexOf(")");
      const comm = text.slice(text.indexOf("(") + 1, close);
      const fields = text.slice(close + 2).split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone
    }
  }
  const below = (pid: number): boolean => {
    for (let p = stats.get(pid)?.ppid; p !== undefined && p > 1; p = stats.get(p)?.ppid) if (p === process.pid) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, s] of stats) if (s.comm.startsWith("workerd") && below(pid)) ticks += s.ticks;
  return ticks;
}
