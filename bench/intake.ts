// Intake benchmark: round trips per request, counted at the local servers, and the latency of
// POST /api/v1/form_responses beside GET /health, alternating in one run so both see the same
// machine. Run: npm run bench:intake [-- <requests>]
import { addDomain, createWorkspace } from "../admin/commands.ts";
import { percentile, startBench } from "./harness.ts";

const samples = Number(process.argv[2] ?? 500);
// The dialler is off: this measures intake alone (bench/trigger.ts measures dialling).
const bench = await startBench({ DIALLER_ENABLED: "false" });

try {
  const { base, stack, db } = bench;
  const made = await createWorkspace(db, { name: "Bench", plan: "enterprise" });
  const domain = await addDomain(db, { workspaceId: made.workspace.id, mode: "live", name: "bench.example" });

  let n = 0;
  const submit = (headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1/form_responses`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${made.keys.live.key}`, ...headers },
      body: JSON.stringify({ form_response: { domain_id: domain.id, form_data: { name: "Bench", phone: `+1415555${String(1000 + (n++ % 9000))}`, message: `m${n}` } } }),
    });
  const timed = async (request: () => Promise<Response>, expected: number) => {
    const started = performance.now();
    const res = await request();
    await res.arrayBuffer();
    if (res.status !== expected) throw new Error(`expected ${expected}, got ${res.status}`);
    return performance.now() - started;
  };

  for (let i = 0; i < 20; i++) await timed(submit, 201); // warm up: scripts loaded, isolates hot

  // Round trips: counted over 20 requests, after a pause that lets waitUntil work land too.
  const perRequest = async (label: string, request: () => Promise<Response>, expected: number, count = 20) => {
    const before = stack.roundTrips();
    for (let i = 0; i < count; i++) await timed(request, expected);
    await new Promise((r) => setTimeout(r, 500));
    const after = stack.roundTrips();
    return { label, postgres: (after.sql - before.sql) / count, redis: (after.redis - before.redis) / count };
  };
  const trips = [
    await perRequest("POST /api/v1/form_responses", () => submit(), 201),
    await perRequest("POST /api/v1/form_responses with Idempotency-Key", () => submit({ "Idempotency-Key": crypto.randomUUID() }), 201),
    await perRequest("GET /health", () => fetch(`${base}/health`), 200),
  ];

  const intake: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < samples; i++) {
    intake.push(await timed(submit, 201));
    health.push(await timed(() => fetch(`${base}/health`), 200));
  }
  const row = (name: string, xs: number[]) => `| ${name} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 99).toFixed(1)} |`;
  console.log(`\nround trips per request (mean of 20, at the local servers; Redis: ${stack.redisBackend}):`);
  console.log("| request | PostgreSQL | Redis |\n|---|---|---|");
  for (const t of trips) console.log(`| ${t.label} | ${t.postgres.toFixed(2)} | ${t.redis.toFixed(2)} |`);
  console.log(`\nlatency over ${samples} alternating pairs, ms:`);
  console.log("| request | p50 | p99 |\n|---|---|---|");
  console.log(row("POST /api/v1/form_responses", intake));
  console.log(row("GET /health", health));
  console.log(`| ratio intake / health | ${(percentile(intake, 50) / percentile(health, 50)).toFixed(2)} | ${(percentile(intake, 99) / percentile(health, 99)).toFixed(2)} |`);
} finally {
  await bench.stop();
}
