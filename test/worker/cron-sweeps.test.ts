import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { purgeExpiredKeys } from "../../db/queries/idempotency.ts";
import { idempotencyKeys } from "../../db/schema/index.ts";
import { repeatWithin } from "../../functions/cron/budget.ts";
import { dispatchDueCallbacks } from "../../functions/cron/calls.ts";
import { db, makeWorkspace, testEnv } from "./fixtures.ts";
import { recordingQueue } from "./webhooks-helpers.ts";

// The cron's sweeps each read their own rows through a partial index and repeat within a run's
// budget (functions/cron/budget.ts). Other test files share the database, so each test looks only
// at rows of its own workspace. The outbox sweeper's tests are in webhooks-pipeline.test.ts: a
// sweep takes every due event in the database, so they run in that file's sequence, never beside
// the pipeline's own sweeps.

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("the due-callback dispatch", () => {
  it("walks every due callback a page at a time, past the first page's 500, sending each once", async () => {
    const { id: workspaceId } = await makeWorkspace();
    const count = 1_200;
    await db().execute(sql`
      WITH l AS (
        INSERT INTO leads (id, workspace_id, mode, phone, phone_raw)
        SELECT 'lead_' || lpad(i::text, 26, '0') || ${workspaceId}, ${workspaceId}, 'live', '+1415' || lpad(i::text, 7, '0'), 'x'
        FROM generate_series(1, ${count}) i RETURNING id)
      INSERT INTO callbacks (id, workspace_id, mode, lead_id, source, status, scheduled_at, next_attempt_at, retry_intervals_seconds)
      SELECT replace(id, 'lead_', 'cb_'), ${workspaceId}, 'live', id, 'api', 'scheduled', now(),
        now() - interval '1 minute' * (row_number() OVER () % 7), '{60}' FROM l`);
    const mine = (await db().execute<{ id: string }>(sql`SELECT id FROM callbacks WHERE workspace_id = ${workspaceId}`)).rows.map((r) => r.id);
    const queue = recordingQueue();
    await dispatchDueCallbacks({ ...testEnv(), CALLS: queue.queue });
    const sent = queue.sent.map((m) => (m.body as unknown as { callback_id: string }).callback_id).filter((id) => mine.includes(id));
    expect(sent.length).toBe(count);
    expect(new Set(sent).size).toBe(count);
  });
});

describe("the idempotency purge", () => {
  it("deletes expired keys in bounded steps until none are left, and no key still in its 24 hours", async () => {
    const { id: workspaceId } = await makeWorkspace();
    const row = (key: string, expiresAt: Date) => ({ workspaceId, mode: "live" as const, key, requestHash: "h", expiresAt });
    await db()
      .insert(idempotencyKeys)
      .values([...Array.from({ length: 12 }, (_, i) => row(`old-${i}`, minutesAgo(1 + i))), row("fresh-1", minutesAgo(-60)), row("fresh-2", minutesAgo(-1))]);
    const moved = await repeatWithin({ steps: 100, seconds: 20 }, async () => {
      const n = await purgeExpiredKeys(db(), 5);
      return { moved: n, full: n === 5 };
    });
    expect(moved).toBeGreaterThanOrEqual(12);
    const left = await db().select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(eq(idempotencyKeys.workspaceId, workspaceId));
    expect(left.map((r) => r.key).sort()).toEqual(["fresh-1", "fresh-2"]);
  });
});

describe("repeatWithin", () => {
  it("repeats while steps are full, and stops at the step budget or the first short step", async () => {
    let calls = 0;
    expect(await repeatWithin({ steps: 3, seconds: 20 }, async () => ({ moved: ++calls, full: true }))).toBe(6);
    expect(calls).toBe(3);
    calls = 0;
    expect(await repeatWithin({ steps: 10, seconds: 20 }, async () => ({ moved: 1, full: ++calls < 2 }))).toBe(2);
    expect(calls).toBe(2);
    expect(await repeatWithin({ steps: 10, seconds: 0 }, async () => ({ moved: 1, full: true }))).toBe(0);
  });
});
