// Webhooks: how long an event takes from its creation to its receiver, and how many deliveries a
// second the consumer makes under a burst, to one receiver and to ten. The Worker runs under
// `wrangler dev` with its real local queues and the production consumers; receivers are Node HTTP
// servers on loopback that verify every request with the `standardwebhooks` package, as the tests'
// do (test/setup/webhook-receivers.ts). The dialler is off: the events are the requests' own.
import { addDomain, createWorkspace } from "../../admin/commands.ts";
import { newId } from "../../schemas/ids.ts";
import { startReceivers, type ReceivedRequest } from "../../test/setup/webhook-receivers.ts";
import { createEndpoint, startBench, until } from "../harness.ts";
import { median, ms, percentile, timed, times, type Scenario } from "../scenario.ts";

type Bench = Awaited<ReturnType<typeof startBench>>;
type Receivers = Awaited<ReturnType<typeof startReceivers>>;

export const scenario: Scenario = {
  name: "webhooks",
  title: "Webhooks: created → delivered, and throughput to 1 and 10 receivers",
  async run({ quick, log }) {
    const singles = quick ? 30 : 200;
    const burst = quick ? 20 : 300; // intake requests, three events each
    // Events; at most 1,000, what one run of the cron's sweeper sends (functions/cron/webhooks.ts).
    const backlog = { one: quick ? 200 : 1000, ten: quick ? 40 : 200 };
    const bench = await startBench({ DIALLER_ENABLED: "false", WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" });
    const receivers = await startReceivers();
    try {
      const single = await singleEvents(bench, receivers, singles, log);
      const drainOne = await drain(bench, receivers, "drain-one", 1, backlog.one, log);
      const drainTen = await drain(bench, receivers, "drain-ten", 10, backlog.ten, log);
      const one = await throughput(bench, receivers, "one", 1, burst, log);
      const ten = await throughput(bench, receivers, "ten", 10, burst, log);
      const all = [single, drainOne, drainTen, one, ten];
      const verified = all.reduce((n, r) => n + r.verified, 0);
      const received = all.reduce((n, r) => n + r.received, 0);
      const duplicates = all.reduce((n, r) => n + r.duplicates, 0);
      const drained = (label: string, r: Drain) =>
        `| ${label} | ${r.events} | ${r.deliveries} | ${r.perSecond.toFixed(0)} | ${ms(r.health)} | ${r.tripsPerDelivery.toFixed(2)} |`;
      const row = (label: string, r: Burst) =>
        `| ${label} | ${r.events} | ${r.deliveries} | ${r.perSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.health)} | ${times(r.p50 / r.health)} | ${r.tripsPerDelivery.toFixed(2)} |`;
      return [
        "Command: `npm run bench -- --only webhooks` (`bench/scenarios/30-webhooks.ts`). The Worker under `wrangler dev`,",
        "its local queues and the production consumers; receivers on loopback verify each request with `standardwebhooks`",
        `(${verified} of ${received} verified, ${duplicates} duplicate \`webhook-id\`s).`,
        "",
        `**Single events at a gentle rate:** ${singles} \`PATCH /v1/leads/{id}\` (one \`lead.updated\` each), one at a time,`,
        "each waited for at its receiver, with a `GET /health` timed after each.",
        "",
        "| measure | p50 (ms) | p99 (ms) |",
        "|---|---|---|",
        `| event created → delivered (the event's \`created_at\` to the receiver's clock) | ${ms(single.created.p50)} | ${ms(single.created.p99)} |`,
        `| PATCH sent → delivered | ${ms(single.sent.p50)} | ${ms(single.sent.p99)} |`,
        `| GET /health, same run | ${ms(single.health)} | |`,
        `| created → delivered / health | ${times(single.created.p50 / single.health)} | |`,
        "",
        "**Throughput:** a backlog of events the fast path never sent (written a minute ago, never queued), released at",
        "once by the cron's sweeper (`/cdn-cgi/handler/scheduled`, or the minute's own tick if it comes first), to 1",
        "endpoint and then to 10: the consumer alone, in full batches. Deliveries a second from the first arrival to the",
        "last; `GET /health` timed every 250 ms meanwhile; PostgreSQL round trips counted at the local Neon stand-in from",
        "the release until the last arrival.",
        "",
        "| receivers | events | deliveries | deliveries/s | GET /health meanwhile (ms) | PostgreSQL round trips per delivery |",
        "|---|---|---|---|---|---|",
        drained("1", drainOne),
        drained("10", drainTen),
        "",
        `**Latency under a burst:** ${burst} intake requests (\`POST /api/v1/form_responses\`, three events each), 16 at`,
        "once, into a workspace whose every event goes to 1 endpoint, then to 10 (each its own receiver). Deliveries a second",
        "from the burst's first request to the last delivery's arrival; latency is each delivery's created → delivered;",
        "`GET /health` is timed every 250 ms meanwhile, beside the load. PostgreSQL round trips are counted at the local",
        "Neon stand-in from the burst's start until everything arrived (intake's own included), per delivery: they fall",
        "with more receivers and under load as the consumer batches (a batch's fan-out is a few statements whatever its",
        "size, and attempts that end together are written together).",
        "",
        "| receivers | events | deliveries | deliveries/s | p50 under load (ms) | p99 under load (ms) | GET /health meanwhile (ms) | p50 / health | PostgreSQL round trips per delivery |",
        "|---|---|---|---|---|---|---|---|---|",
        row("1", one),
        row("10", ten),
      ].join("\n");
    } finally {
      await receivers.close();
      await bench.stop();
    }
  },
};

type Tally = { received: number; verified: number; duplicates: number };

function tally(requests: ReceivedRequest[], secrets: string[]): Tally {
  return {
    received: requests.length,
    verified: requests.filter((r) => secrets.some((s) => r.verdicts.standard[s])).length,
    duplicates: requests.length - new Set(requests.map((r) => r.headers["webhook-id"])).size,
  };
}

const createdAt = (r: ReceivedRequest) => Date.parse((JSON.parse(r.body) as { created_at: string }).created_at);

/** A workspace with `count` endpoints, each its own receiver; its key and domain. */
async function workspace(bench: Bench, receivers: Receivers, name: string, count: number) {
  const made = await createWorkspace(bench.db, { name, plan: "enterprise" });
  const domain = await addDomain(bench.db, { workspaceId: made.workspace.id, mode: "live", name: `${name}.example` });
  const key = made.keys.live.key;
  const names: string[] = [];
  const secrets: string[] = [];
  for (let i = 0; i < count; i++) {
    const receiver = `${name}-${i}`;
    const { secret } = await createEndpoint(bench.base, key, `${receivers.url}/r/${receiver}`);
    receivers.configure(receiver, { secrets: [secret] });
    names.push(receiver);
    secrets.push(secret);
  }
  let n = 0;
  const intake = async () => {
    const res = await fetch(`${bench.base}/api/v1/form_responses`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ form_response: { domain_id: domain.id, form_data: { name: "Bench", phone: `+1415555${String(1000 + (n++ % 9000))}`, message: `m${n}` } } }),
    });
    if (res.status !== 201) throw new Error(`intake: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  const requests = () => names.flatMap((r) => receivers.requestsOf(r));
  return { workspaceId: made.workspace.id, key, intake, requests, secrets };
}

async function singleEvents(bench: Bench, receivers: Receivers, count: number, log: (line: string) => void) {
  const ws = await workspace(bench, receivers, "single", 1);
  await ws.intake();
  const { rows } = await bench.db.$client.query<{ id: string }>("SELECT id FROM leads WHERE workspace_id = $1 LIMIT 1", [ws.workspaceId]);
  const lead = rows[0]!.id;
  await until(() => ws.requests().length >= 3, 30_000);
  const patch = (i: number) =>
    fetch(`${bench.base}/v1/leads/${lead}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${ws.key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: `Bench ${i}` }),
    });
  const created: number[] = [];
  const sent: number[] = [];
  const health: number[] = [];
  const warmup = 5;
  for (let i = 0; i < warmup + count; i++) {
    const before = ws.requests().length;
    const started = Date.now();
    const res = await patch(i);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`PATCH: ${res.status}`);
    await until(() => ws.requests().length > before, 30_000);
    const arrived = ws.requests()[before]!;
    if (i >= warmup) {
      created.push(arrived.at - createdAt(arrived));
      sent.push(arrived.at - started);
      health.push(await timed(() => fetch(`${bench.base}/health`), 200));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`single events: p50 ${ms(median(created))} ms created → delivered, health ${ms(median(health))} ms`);
  return {
    created: { p50: median(created), p99: percentile(created, 99) },
    sent: { p50: median(sent), p99: percentile(sent, 99) },
    health: median(health),
    ...tally(ws.requests(), ws.secrets),
  };
}

type Burst = Tally & { events: number; deliveries: number; perSecond: number; p50: number; p99: number; health: number; tripsPerDelivery: number };

async function throughput(bench: Bench, receivers: Receivers, name: string, endpoints: number, requests: number, log: (line: string) => void): Promise<Burst> {
  const ws = await workspace(bench, receivers, name, endpoints);
  // Warm: the first request's events delivered before the clock starts.
  await ws.intake();
  await until(() => ws.requests().length >= 3 * endpoints, 30_000);
  const before = ws.requests().length;
  const expected = 3 * requests * endpoints;
  const trips = bench.stack.roundTrips().sql;
  const started = Date.now();
  const stop = healthProbe(bench.base);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < requests) {
        next++;
        await ws.intake();
      }
    }),
  );
  await until(() => ws.requests().length >= before + expected, 180_000);
  const health = await stop();
  const tripsUsed = bench.stack.roundTrips().sql - trips;
  const got = ws.requests().slice(before);
  const last = Math.max(...got.map((r) => r.at));
  const latencies = got.map((r) => r.at - createdAt(r));
  const perSecond = got.length / ((last - started) / 1000);
  log(`${endpoints} receiver(s): ${got.length} deliveries, ${perSecond.toFixed(0)}/s, p50 ${median(latencies)} ms`);
  return {
    events: 3 * requests,
    deliveries: got.length,
    perSecond,
    p50: median(latencies),
    p99: percentile(latencies, 99),
    health,
    tripsPerDelivery: tripsUsed / got.length,
    ...tally(ws.requests(), ws.secrets),
  };
}

type Drain = Tally & { events: number; deliveries: number; perSecond: number; health: number; tripsPerDelivery: number };

/** /health every 250 ms until stop(), for reading a phase's figures against how busy the machine was. */
function healthProbe(base: string) {
  const xs: number[] = [];
  let on = true;
  const running = (async () => {
    while (on) {
      // A probe that fails (the Worker restarting, say) is left out; the phase says if it mattered.
      await timed(() => fetch(`${base}/health`), 200).then(
        (x) => xs.push(x),
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return async () => {
    on = false;
    await running;
    return median(xs);
  };
}

async function drain(bench: Bench, receivers: Receivers, name: string, endpoints: number, count: number, log: (line: string) => void): Promise<Drain> {
  const ws = await workspace(bench, receivers, name, endpoints);
  await ws.intake();
  await until(() => ws.requests().length >= 3 * endpoints, 30_000);
  const before = ws.requests().length;
  // Past the sweeper's grace for the fast path, never queued: the cron sends them all at once
  // (wrangler dev also runs the cron on its own each minute, which may come first).
  const old = new Date(Date.now() - 60_000);
  const ids = Array.from({ length: count }, () => newId("event", old.getTime()));
  await bench.db.$client.query(
    `INSERT INTO events (id, workspace_id, mode, type, data, created_at)
     SELECT id, $2, 'live', 'lead.updated', jsonb_build_object('id', 'lead_bench', 'phone', '+14155550100', 'updated_at', '2026-11-21T00:00:00Z'), $3
     FROM unnest($1::text[]) AS id`,
    [ids, ws.workspaceId, old],
  );
  const trips = bench.stack.roundTrips().sql;
  const stop = healthProbe(bench.base);
  const cron = await fetch(`${bench.base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`);
  await cron.arrayBuffer();
  const expected = count * endpoints;
  await until(() => ws.requests().length >= before + expected, 180_000);
  const health = await stop();
  const tripsUsed = bench.stack.roundTrips().sql - trips;
  const got = ws.requests().slice(before);
  const arrivals = got.map((r) => r.at);
  const first = Math.min(...arrivals);
  const last = Math.max(...arrivals);
  const perSecond = got.length / ((last - first) / 1000);
  log(`backlog to ${endpoints} receiver(s): ${got.length} deliveries, ${perSecond.toFixed(0)}/s`);
  return { events: count, deliveries: got.length, perSecond, health, tripsPerDelivery: tripsUsed / got.length, ...tally(ws.requests(), ws.secrets) };
}
