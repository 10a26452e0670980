// A backlog of unsent events (the fast path missed them all: an outage of the queue, say) drained
// by the cron alone, through the real local queue and consumer to a loopback receiver. The cron is
// triggered as Cloudflare would, once a minute, until every event has arrived.
import type pg from "pg";
import { createWorkspace } from "../../admin/commands.ts";
import { startCountingReceiver } from "../counting-receiver.ts";
import { createEndpoint, startBench } from "../harness.ts";
import { median, ms, type Scenario, timed } from "../scenario.ts";
import { unsentEvents } from "../sweeps-seed.ts";

export const scenario: Scenario = {
  name: "drain",
  title: "Draining a backlog of unsent events",
  async run({ quick, log }) {
    const count = quick ? 5_000 : 100_000;
    const timeoutMs = (quick ? 4 : 25) * 60_000;
    const bench = await startBench({ WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" });
    const receiver = await startCountingReceiver();
    try {
      const pool = bench.db.$client as pg.Pool;
      const made = await createWorkspace(bench.db, { name: "Drain", plan: "enterprise" });
      const { id: endpointId } = await createEndpoint(bench.base, made.keys.live.key, receiver.url);
      log(`seeding ${count} unsent events`);
      await unsentEvents(pool, { workspaceId: made.workspace.id, endpointId }, 0, count);
      await pool.query("ANALYZE events");
      const hs: number[] = [];
      for (let i = 0; i < 20; i++) hs.push(await timed(() => fetch(`${bench.base}/health`), 200));

      const trigger = async () => {
        const r = await fetch(`${bench.base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`);
        await r.arrayBuffer();
      };
      const started = Date.now();
      let runs = 0;
      let drained = true;
      while (receiver.stats().distinct < count) {
        // Out of time: the figures so far are recorded, marked as missed.
        if (Date.now() - started > timeoutMs) {
          drained = false;
          break;
        }
        if (Date.now() >= started + runs * 60_000) {
          runs++;
          await trigger();
          log(`cron run ${runs}: ${receiver.stats().distinct} of ${count} delivered so far`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const { requests, distinct, first, last } = receiver.stats();
      const drainedS = (last - started) / 1000;
      const { rows } = await pool.query<{ unfanned: number; succeeded: number }>(
        `SELECT (SELECT count(*) FROM events WHERE fanned_out_at IS NULL)::int AS unfanned,
                (SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded')::int AS succeeded`,
      );
      const k = (n: number) => `${n / 1000}k`;
      return [
        `${k(count)} events never sent, each to one endpoint on a loopback receiver; the cron triggered once a minute (as Cloudflare runs it) through wrangler dev's scheduled route, and nothing else sending. GET /health p50 before the run: ${ms(median(hs))} ms.`,
        "",
        "| measure | value |",
        "|---|---|",
        drained
          ? `| time to drain: first cron run to last arrival | **${drainedS.toFixed(0)} s** (${(drainedS / 60).toFixed(1)} min; target under 10 min) |`
          : `| time to drain | **not drained** within ${timeoutMs / 60_000} min: ${distinct} of ${count} delivered (target under 10 min) |`,
        `| cron runs it took | ${runs} |`,
        `| throughput, first to last arrival | ${(distinct / ((last - first) / 1000)).toFixed(0)} deliveries/s |`,
        `| deliveries received / distinct webhook-ids | ${requests} / ${distinct} |`,
        `| events left not fanned out; deliveries succeeded | ${rows[0]?.unfanned} ; ${rows[0]?.succeeded} |`,
        "",
        `Before this change the sweeper took 1,000 events a run, so ${k(count)} needed at least ${count / 1000} runs (${count / 1000 - 1} minutes and more). Now a run repeats its 1,000-event step up to 20 times within 20 s (functions/cron/budget.ts): 20k a run.`,
      ].join("\n");
    } finally {
      await receiver.close();
      await bench.stop();
    }
  },
};
