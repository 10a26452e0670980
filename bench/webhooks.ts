// Webhook benchmark: deliveries per second from the queue consumer to a local receiver, and the
// time from an event's creation to its arrival at the receiver. Runs the Worker under
// `wrangler dev` (real local queues, the production consumer) against a throwaway database.
// Run: npm run bench:webhooks [-- <events for throughput> <intake requests for latency>]
import { addDomain, createWorkspace } from "../admin/commands.ts";
import { newId } from "../schemas/ids.ts";
import { startReceivers } from "../test/setup/webhook-receivers.ts";
import { percentile, startBench, until } from "./harness.ts";

const burst = Number(process.argv[2] ?? 1000);
const intakeRequests = Number(process.argv[3] ?? 300);
const bench = await startBench({ WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" });
const receivers = await startReceivers();

try {
  const { base, db, stack } = bench;
  const made = await createWorkspace(db, { name: "Bench", plan: "enterprise" });
  const domain = await addDomain(db, { workspaceId: made.workspace.id, mode: "live", name: "bench.example" });
  const key = made.keys.live.key;
  const res = await fetch(`${base}/v1/webhook_endpoints`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ url: `${receivers.url}/r/bench` }),
  });
  if (res.status !== 201) throw new Error(`creating the endpoint: ${res.status} ${await res.text()}`);
  const { secret } = (await res.json()) as { secret: string };
  receivers.configure("bench", { secrets: [secret] });

  // Throughput: a backlog of events the fast path never sent, released at once by the sweeper.
  const old = new Date(Date.now() - 60_000);
  const ids = Array.from({ length: burst }, () => newId("event", old.getTime()));
  await db.$client.query(
    `INSERT INTO events (id, workspace_id, mode, type, data, created_at)
     SELECT id, $2, 'live', 'lead.updated', jsonb_build_object('id', 'lead_bench', 'phone', '+14155550100', 'updated_at', '2026-11-21T00:00:00Z'), $3
     FROM unnest($1::text[]) AS id`,
    [ids, made.workspace.id, old],
  );
  const released = Date.now();
  await fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`);
  await until(() => receivers.requestsOf("bench").length >= burst, 120_000);
  const arrivals = receivers.requestsOf("bench").map((r) => r.at);
  const first = Math.min(...arrivals);
  const last = Math.max(...arrivals);
  const throughput = burst / ((last - first) / 1000);

  // Latency: intake writes three events per request and hands them to the queue after its commit.
  const before = receivers.requestsOf("bench").length;
  for (let i = 0; i < intakeRequests; i++) {
    const r = await fetch(`${base}/api/v1/form_responses`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ form_response: { domain_id: domain.id, form_data: { name: "Bench", phone: `+1415555${String(1000 + i)}`, message: `m${i}` } } }),
    });
    if (r.status !== 201) throw new Error(`intake: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await until(() => receivers.requestsOf("bench").length >= before + 3 * intakeRequests, 120_000);
  const latencies = receivers
    .requestsOf("bench")
    .slice(before)
    .map((r) => r.at - Date.parse((JSON.parse(r.body) as { created_at: string }).created_at));

  const all = receivers.requestsOf("bench");
  const verified = all.filter((r) => r.verdicts.standard[secret]).length;
  const duplicates = all.length - new Set(all.map((r) => r.headers["webhook-id"])).size;
  console.log(`\nwebhooks benchmark (Redis: ${stack.redisBackend}; receiver verified ${verified} of ${all.length} with standardwebhooks; ${duplicates} duplicate webhook-ids)`);
  console.log("| measure | value |\n|---|---|");
  console.log(`| throughput: ${burst} swept events, first to last arrival | ${throughput.toFixed(0)} deliveries/s (${((last - first) / 1000).toFixed(2)} s) |`);
  console.log(`| sweeper start to first arrival | ${first - released} ms |`);
  console.log(`| created → delivered, p50 (${latencies.length} events via intake) | ${percentile(latencies, 50)} ms |`);
  console.log(`| created → delivered, p99 | ${percentile(latencies, 99)} ms |`);
} finally {
  await receivers.close();
  await bench.stop();
}
