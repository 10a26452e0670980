// The cron's sweeps against a small backlog and a large one: each sweep's step, timed as the
// Worker sends it (the query functions of db/queries/, called with the bench database), inside a
// transaction rolled back after each sample so every sample sees the same backlog. GET /health is
// timed between samples. The claim is that a step reads the rows it takes, not the backlog behind
// them, so the ratio between the two backlogs stays near 1.
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { dueCallbacks, silentCallbacks } from "../../db/queries/call-attempts.ts";
import { claimUnfannedEvents } from "../../db/queries/events.ts";
import { purgeExpiredKeys } from "../../db/queries/idempotency.ts";
import { claimDueDeliveries } from "../../db/queries/webhook-deliveries.ts";
import type { Db } from "../../db/client.ts";
import { startBench } from "../harness.ts";
import { median, ms, type Scenario, timed, times } from "../scenario.ts";
import { callbacksOf, dueDeliveries, expiredKeys, leasedEvents, seedWorkspace, unsentEvents, type Seeded } from "../sweeps-seed.ts";

type Sweep = { name: string; run: (db: Db) => Promise<number> };

const sweeps: Sweep[] = [
  { name: "outbox sweeper: claim 1,000 never-sent events", run: async (db) => (await claimUnfannedEvents(db, 1000)).length },
  { name: "delivery retry claim: 1,000 due deliveries", run: async (db) => (await claimDueDeliveries(db, 1000)).length },
  { name: "dialler: a page of 500 due callbacks", run: async (db) => (await dueCallbacks(db, 500)).ids.length },
  { name: "stuck-call check: 100 silent callbacks", run: async (db) => (await silentCallbacks(db, 100)).length },
  { name: "idempotency purge: 1,000 expired keys", run: (db) => purgeExpiredKeys(db, 1000) },
];
const inLease: Sweep = { name: "outbox sweeper, every unsent event in its lease (finds none)", run: async (db) => (await claimUnfannedEvents(db, 1000)).length };

async function grow(pool: pg.Pool, s: Seeded, from: number, to: number) {
  await unsentEvents(pool, s, from, to);
  await dueDeliveries(pool, s, from, to);
  await callbacksOf(pool, s, "due", from, to);
  await callbacksOf(pool, s, "silent", from, to);
  await expiredKeys(pool, s, from, to);
  await pool.query("ANALYZE");
}

export const scenario: Scenario = {
  name: "sweeps",
  title: "Cron sweeps: one step at a small and a large backlog",
  async run({ quick, log }) {
    const [small, large] = quick ? [1_000, 10_000] : [1_000, 100_000];
    const samples = quick ? 7 : 15;
    const bench = await startBench();
    try {
      const pool = bench.db.$client as pg.Pool;
      const client = await pool.connect();
      const db = drizzle(client) as unknown as Db;
      const health = () => fetch(`${bench.base}/health`);
      const time = async (sweep: Sweep) => {
        const xs: number[] = [];
        const hs: number[] = [];
        let rows = 0;
        for (let i = 0; i < samples + 2; i++) {
          await client.query("BEGIN");
          const started = performance.now();
          rows = await sweep.run(db);
          const took = performance.now() - started;
          await client.query("ROLLBACK");
          const h = await timed(health, 200);
          if (i >= 2) {
            xs.push(took);
            hs.push(h);
          }
        }
        return { p50: median(xs), health: median(hs), rows };
      };
      const s = await seedWorkspace(pool);
      const results = new Map<string, { at: number; p50: number; health: number; rows: number }[]>();
      const record = async (sweep: Sweep, at: number) => {
        const r = await time(sweep);
        log(`${sweep.name} at ${at}: ${ms(r.p50)} ms (${r.rows} rows)`);
        results.set(sweep.name, [...(results.get(sweep.name) ?? []), { at, ...r }]);
      };

      // Sent events in their lease first, alone: the sweep that used to walk them all for nothing.
      await leasedEvents(pool, s, 0, small);
      await pool.query("ANALYZE events");
      await record(inLease, small);
      await leasedEvents(pool, s, small, large);
      await pool.query("ANALYZE events");
      await record(inLease, large);

      log(`seeding backlogs of ${small}`);
      await grow(pool, s, 0, small);
      for (const sweep of sweeps) await record(sweep, small);
      log(`growing them to ${large}`);
      await grow(pool, s, small, large);
      for (const sweep of sweeps) await record(sweep, large);
      client.release();

      const fmt = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
      const lines = [
        `Each sweep's step with a backlog of ${fmt(small)} and of ${fmt(large)} (each of: never-sent events, due deliveries, due callbacks, silent callbacks, expired keys; plus ${fmt(large)} sent events in their lease behind them). Medians of ${samples} samples, each in a transaction rolled back, so every sample sees the same backlog; GET /health timed between samples.`,
        "",
        `| sweep step | rows | p50 at ${fmt(small)} | p50 at ${fmt(large)} | ${fmt(large)} ÷ ${fmt(small)} | /health p50 |`,
        "|---|---|---|---|---|---|",
      ];
      for (const sweep of [inLease, ...sweeps]) {
        const [a, b] = results.get(sweep.name) ?? [];
        if (!a || !b) continue;
        lines.push(`| ${sweep.name} | ${b.rows} | ${ms(a.p50)} ms | ${ms(b.p50)} ms | ${times(b.p50 / a.p50)} | ${ms(b.health)} ms |`);
      }
      lines.push(
        "",
        "A step is bounded (1,000 events, deliveries or keys, 500 callbacks) and repeated within a run's budget (functions/cron/budget.ts), so the time per row, not the backlog, sets a run's length.",
      );
      return lines.join("\n");
    } finally {
      await bench.stop();
    }
  },
};
