import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { webhookDeliveries, webhookEndpoints } from "../../db/schema/index.ts";
import { publishAfterCommit } from "../../functions/lib/outbox.ts";
import { db, tenant, testEnv } from "./fixtures.ts";
import { createEndpoint, insertEvent, receiver, samplePayloads } from "./webhooks-helpers.ts";

// A slow or failing endpoint costs only itself. Through the real queues and consumers: one
// workspace's endpoint hangs for a minute, another's answers 500 every time, and a third
// workspace's healthy endpoint gets every one of its events while the first hanging request is
// still open. (How fast it gets them is measured in bench/webhooks-isolation.ts, not here.)

// Far inside the minute the hanging endpoint holds its first request for; the fast lane's
// deadline is 5 s in the tests (test/setup/stack.ts).
const poll = { timeout: 50_000, interval: 100 };

async function workspaceWith(responses: { status: number; delayMs?: number }[]) {
  const { workspace, live } = await tenant();
  const r = await receiver();
  const endpoint = await createEndpoint(live.key, { url: r.url });
  await r.configure({ secrets: [endpoint.secret], responses });
  return { r, endpoint, owner: { workspaceId: workspace.id, mode: "live" as const } };
}

describe("one endpoint hanging and one failing", () => {
  it("hold up nobody else's deliveries, and cost themselves only a lane timeout and a pause", { timeout: 120_000 }, async () => {
    const hanging = await workspaceWith(Array.from({ length: 60 }, () => ({ status: 200, delayMs: 60_000 })));
    const failing = await workspaceWith(Array.from({ length: 50 }, () => ({ status: 500 })));
    const healthy = await workspaceWith([]);

    // Interleaved, on the queue together, so the same batches mix all three: twenty events each
    // for the failing and the healthy endpoint, sixty for the hanging one. Were each hanging
    // delivery given a full timeout, six at a time, the last healthy one would come after the
    // minute the first hanging request is held for.
    const rows = [];
    for (let i = 0; i < 20; i++) {
      for (const w of [hanging, hanging, failing, hanging, healthy]) rows.push(await insertEvent(w.owner, "lead.updated", samplePayloads["lead.updated"]));
    }
    const ctx = createExecutionContext();
    publishAfterCommit(testEnv(), ctx, rows);
    await waitOnExecutionContext(ctx);

    await expect.poll(async () => (await healthy.r.requests()).length, poll).toBe(20);
    // Every healthy delivery arrived while the hanging endpoint's first request was still open.
    const held = await hanging.r.requests();
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((q) => q.answered === null)).toBe(true);
    const healthyIds = rows.filter((e) => e.workspaceId === healthy.owner.workspaceId).map((e) => e.id);
    // Each attempt is written as it ends, with those that ended beside it: the last may still be
    // on its way to the database when its request has arrived.
    const outcomes = async () => (await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, healthyIds))).map((d) => [d.status, d.attemptCount]);
    await expect.poll(outcomes, { timeout: 5_000, interval: 100 }).toEqual(healthyIds.map(() => ["succeeded", 1]));

    // The hanging endpoint was given the fast lane's deadline and moved to the slow lane.
    const [slow] = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, hanging.endpoint.id));
    expect(slow!.slowUntil).toBeInstanceOf(Date);
    // The failing one was paused after a few failures (those under way when it was paused still
    // finish): the rest of its deliveries wait, unattempted, as its own backlog, instead of
    // failing in step with everyone else's.
    const [paused] = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, failing.endpoint.id));
    expect(paused!.pausedUntil!.getTime()).toBeGreaterThan(Date.now());
    const failingIds = rows.filter((e) => e.workspaceId === failing.owner.workspaceId).map((e) => e.id);
    const backlog = await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, failingIds));
    expect(backlog.every((d) => d.status === "pending")).toBe(true);
    expect(backlog.filter((d) => d.attemptCount === 0 && d.nextAttemptAt === null).length).toBeGreaterThanOrEqual(10); // parked
    expect((await failing.r.requests()).length).toBeLessThanOrEqual(10);
  });
});
