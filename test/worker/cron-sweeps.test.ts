import { describe, expect, it } from "vitest";
import { eq, inArray, sql } from "drizzle-orm";
import { claimUnfannedEvents } from "../../db/queries/events.ts";
import { purgeExpiredKeys } from "../../db/queries/idempotency.ts";
import { events, idempotencyKeys } from "../../db/schema/index.ts";
import { repeatWithin } from "../../functions/cron/budget.ts";
import { dispatchDueCallbacks } from "../../functions/cron/calls.ts";
import { sweepOutbox } from "../../functions/cron/webhooks.ts";
import { newId } from "../../schemas/ids.ts";
import { db, makeWorkspace, testEnv } from "./fixtures.ts";
import { recordingQueue } from "./webhooks-helpers.ts";

// The cron's sweeps each read their own rows through a partial index and repeat within a run's
// budget (functions/cron/budget.ts). Other test files share the database, so each test looks only
// at rows of its own workspace.

/** `count` events of a fresh workspace, written a minute ago, never sent. */
async function unsentEvents(count: number, fields: Partial<typeof events.$inferInsert> = {}) {
  const { id: workspaceId } = await makeWorkspace();
  const ids = Array.from({ length: count }, () => newId("event", Date.now() - 60_000));
  await db().execute(sql`
    INSERT INTO events (id, workspace_id, mode, type, data, created_at)
    SELECT id, ${workspaceId}, 'live', 'lead.updated', '{}'::jsonb, now() - interval '1 minute'
    FROM unnest(${`{${ids.join(",")}}`}::text[]) AS id`);
  if (Object.keys(fields).length > 0) await db().update(events).set(fields).where(inArray(events.id, ids));
  return ids;
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("the outbox sweeper", () => {
  it("drains more than one step's thousand events in one run, each sent once and marked sent", async () => {
    const ids = await unsentEvents(2_500);
    const queue = recordingQueue();
    await sweepOutbox({ ...testEnv(), WEBHOOKS: queue.queue });
    const mine = queue.sent.map((m) => m.body.event_id).filter((id) => ids.includes(id));
    expect(mine.length).toBe(2_500);
    expect(new Set(mine).size).toBe(2_500);
    const rows = await db().select({ sends: events.sends, claimedAt: events.claimedAt }).from(events).where(inArray(events.id, ids));
    expect(rows.every((r) => r.sends === 1 && r.claimedAt === null)).toBe(true);

    // The next run finds them all in their lease: nothing is sent twice.
    const again = recordingQueue();
    await sweepOutbox({ ...testEnv(), WEBHOOKS: again.queue });
    expect(again.sent.map((m) => m.body.event_id).filter((id) => ids.includes(id))).toEqual([]);
  });

  it("stops at its budget: one step sends a thousand at most", async () => {
    const ids = await unsentEvents(1_500);
    const queue = recordingQueue();
    await sweepOutbox({ ...testEnv(), WEBHOOKS: queue.queue }, { steps: 1, seconds: 20 });
    expect(queue.sent.length).toBeLessThanOrEqual(1_000);
    const unsent = await db().select({ id: events.id }).from(events).where(sql`${inArray(events.id, ids)} AND ${events.sends} = 0`);
    expect(unsent.length).toBeGreaterThanOrEqual(500);
  });

  it("sends an event again only once the lease of its send count is over, whatever the count", async () => {
    // [sends, minutes since it was sent, due]: the lease is 2 min, doubling per send, up to an hour.
    const cases: [number, number, boolean][] = [
      [0, 1, false],
      [0, 3, true], // marked sent without a count: the first lease
      [1, 1.5, false],
      [1, 2.5, true],
      [3, 7, false],
      [3, 9, true],
      [5, 31, false],
      [5, 33, true],
      [6, 59, false],
      [6, 61, true],
      [9, 59, false],
      [9, 61, true],
    ];
    const ids: string[] = [];
    for (const [sends, ago] of cases) ids.push(...(await unsentEvents(1, { sends, enqueuedAt: minutesAgo(ago) })));
    const claimed = await claimUnfannedEvents(db(), 100_000);
    const got = cases.map(([sends, ago], i) => [sends, ago, claimed.includes(ids[i]!)]);
    expect(got).toEqual(cases);
  });

  it("leaves alone an event fanned out, claimed by another sweeper, or younger than 30 s", async () => {
    const [fanned] = await unsentEvents(1, { fannedOutAt: new Date() });
    const [claimed] = await unsentEvents(1, { claimedAt: new Date() });
    const [young] = await unsentEvents(1, { createdAt: new Date() });
    const [due] = await unsentEvents(1);
    const got = await claimUnfannedEvents(db(), 100_000);
    expect(got).toContain(due);
    expect(got).not.toContain(fanned);
    expect(got).not.toContain(claimed);
    expect(got).not.toContain(young);
  });
});

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
