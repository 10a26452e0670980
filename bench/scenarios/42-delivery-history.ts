// Delivery throughput to one endpoint on a fresh database and on one holding a long history of
// deliveries, side by side: two stacks (two databases, two `wrangler dev`) started together and
// measured in alternate rounds, so both see the same machine. Each round writes a burst of events
// the fast path never sent, triggers the cron once, and times first to last arrival.
import type pg from "pg";
import { createWorkspace } from "../../admin/commands.ts";
import { startCountingReceiver } from "../counting-receiver.ts";
import { createEndpoint, startBench } from "../harness.ts";
import { median, ms, type Scenario, timed, times } from "../scenario.ts";
import { deliveryHistory, unsentEvents, type Seeded } from "../sweeps-seed.ts";

type Side = Awaited<ReturnType<typeof open>>;

async function open(name: string) {
  const bench = await startBench({ WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" });
  const receiver = await startCountingReceiver();
  const made = await createWorkspace(bench.db, { name, plan: "enterprise" });
  const { id: endpointId } = await createEndpoint(bench.base, made.keys.live.key, receiver.url);
  const seeded: Seeded = { workspaceId: made.workspace.id, endpointId };
  return { name, bench, receiver, seeded, pool: bench.db.$client as pg.Pool, next: 0, rates: [] as number[], health: [] as number[] };
}

async function close(side: Side) {
  await side.receiver.close();
  await side.bench.stop();
}

async function round(side: Side, burst: number): Promise<void> {
  side.receiver.reset();
  await unsentEvents(side.pool, side.seeded, side.next, side.next + burst);
  side.next += burst;
  for (let i = 0; i < 5; i++) side.health.push(await timed(() => fetch(`${side.bench.base}/health`), 200));
  const r = await fetch(`${side.bench.base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`);
  await r.arrayBuffer();
  const deadline = Date.now() + 5 * 60_000;
  while (side.receiver.stats().distinct < burst) {
    if (Date.now() > deadline) throw new Error(`${side.name}: ${side.receiver.stats().distinct} of ${burst} delivered in 5 min`);
    await new Promise((res) => setTimeout(res, 50));
  }
  const { first, last } = side.receiver.stats();
  side.rates.push(burst / ((last - first) / 1000));
}

export const scenario: Scenario = {
  name: "delivery-history",
  title: "Delivery throughput with a long history of deliveries",
  async run({ quick, log }) {
    const [history, perEvent] = quick ? [25_000, 4] : [1_000_000, 4];
    const stored = history * perEvent;
    const burst = quick ? 1_000 : 2_000;
    const rounds = quick ? 2 : 5;
    // One after the other: two `wrangler dev` starting at once can race for a port.
    const fresh = await open("Fresh");
    const old = await open("History").catch(async (err) => {
      await close(fresh);
      throw err;
    });
    try {
      log(`seeding ${stored} delivered deliveries (${history} events × ${perEvent} endpoints) into the history side`);
      await deliveryHistory(old.pool, old.seeded, history, perEvent);
      // One round each to warm up, not counted.
      await round(fresh, burst);
      await round(old, burst);
      fresh.rates.length = old.rates.length = fresh.health.length = old.health.length = 0;
      for (let i = 0; i < rounds; i++) {
        await round(fresh, burst);
        await round(old, burst);
        log(`round ${i + 1}: fresh ${fresh.rates.at(-1)?.toFixed(0)}/s, with history ${old.rates.at(-1)?.toFixed(0)}/s`);
      }
      const [a, b] = [median(fresh.rates), median(old.rates)];
      const k = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
      return [
        `Bursts of ${burst} events never sent, each to one endpoint (a loopback receiver), released by one cron run; first to last arrival. ${rounds} rounds on each side, alternating, after one warm-up round each; medians. The history is ${k(stored)} deliveries (${k(history)} events, each delivered to ${perEvent} endpoints since disabled), 2 % of them failed.`,
        "",
        "| database | deliveries/s, p50 | GET /health p50 |",
        "|---|---|---|",
        `| fresh | ${a.toFixed(0)} | ${ms(median(fresh.health))} ms |`,
        `| ${k(stored)} deliveries stored | ${b.toFixed(0)} | ${ms(median(old.health))} ms |`,
        `| with history ÷ fresh | **${times(b / a)}** (target: within 10 %, 0.90× or more) | |`,
        "",
        `Every round: ${fresh.rates.map((x) => x.toFixed(0)).join(", ")} (fresh) and ${old.rates.map((x) => x.toFixed(0)).join(", ")} (history) deliveries/s.`,
      ].join("\n");
    } finally {
      for (const side of [fresh, old]) await close(side);
    }
  },
};
