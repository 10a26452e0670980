import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { webhookDeliveries } from "../../db/schema/index.ts";
import { claimWork, type Recorded } from "../../db/queries/webhook-work.ts";
import { AttemptRecorder, Slots } from "../../functions/queue/attempt-recorder.ts";
import { newId } from "../../schemas/ids.ts";
import { db, tenant } from "./fixtures.ts";
import { createEndpoint, deliveriesOf, insertEvent, receiver, samplePayloads } from "./webhooks-helpers.ts";

// The consumer's attempt recorder (functions/queue/attempt-recorder.ts): attempts that end while a
// write is in flight are written together, in one round trip, and one that cannot be written
// fails only itself.

async function leasedDeliveries(count: number, token: string) {
  const { workspace, live } = await tenant();
  const r = await receiver();
  const endpoint = await createEndpoint(live.key, { url: r.url });
  const owner = { workspaceId: workspace.id, mode: "live" as const };
  const rows = [];
  for (let i = 0; i < count; i++) {
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const id = newId("webhookDelivery");
    await db().insert(webhookDeliveries).values({ id, ...owner, eventId: event.id, endpointId: endpoint.id, nextAttemptAt: new Date() });
    rows.push({ id, eventId: event.id });
  }
  expect(await claimWork(db(), [], rows.map((d) => ({ id: d.id })), token)).toHaveLength(count);
  return { endpoint, rows };
}

const succeeded = (deliveryId: string, token: string): Recorded => ({
  deliveryId,
  token,
  attempt: { at: new Date().toISOString(), status_code: 200, latency_ms: 5, response_body: "ok", error: null },
  counts: true,
  status: "succeeded",
  cronAfterSeconds: null,
  health: { kind: "up", fast: true },
});

/**
 * A database client that counts the recorder's round trips: each statement it builds is run
 * either alone or in a batch(), so those not in a batch ran alone.
 */
function countingDb() {
  const client = db();
  let built = 0;
  const batches: number[] = [];
  const execute = client.execute.bind(client);
  const batch = client.batch.bind(client);
  client.execute = ((query: Parameters<typeof execute>[0]) => {
    built++;
    return execute(query);
  }) as typeof client.execute;
  client.batch = ((items: Parameters<typeof batch>[0]) => {
    batches.push(items.length);
    return batch(items);
  }) as unknown as typeof client.batch;
  const trips = () => ({ alone: built - batches.reduce((a, b) => a + b, 0), batches });
  return { client, trips };
}

describe("the attempt recorder", () => {
  it("writes an attempt alone at once, and those that end while it is in flight together, in one round trip", async () => {
    const token = crypto.randomUUID();
    const { rows, endpoint } = await leasedDeliveries(5, token);
    const { client, trips } = countingDb();
    const recorder = new AttemptRecorder(client, new Slots(6));
    const results = await Promise.all(rows.map((d) => recorder.record(succeeded(d.id, token), endpoint.id)));
    expect(results).toEqual(rows.map(() => ({ recorded: true, pausedUntil: null })));
    expect(trips()).toEqual({ alone: 1, batches: [4] });
    for (const d of rows) expect((await deliveriesOf(d.eventId))[0]).toMatchObject({ status: "succeeded", attemptCount: 1, leaseToken: null });
  });

  it("writes nothing for a lease another consumer holds, in a group as alone", async () => {
    const token = crypto.randomUUID();
    const { rows, endpoint } = await leasedDeliveries(3, token);
    const recorder = new AttemptRecorder(db(), new Slots(6));
    const results = await Promise.all(rows.map((d, i) => recorder.record(succeeded(d.id, i === 1 ? "someone-else" : token), endpoint.id)));
    expect(results.map((r) => r.recorded)).toEqual([true, false, true]);
    expect((await deliveriesOf(rows[1]!.eventId))[0]).toMatchObject({ status: "pending", attemptCount: 0, leaseToken: token });
  });

  it("fails only the attempt that cannot be written when its group fails", async () => {
    const token = crypto.randomUUID();
    const { rows, endpoint } = await leasedDeliveries(4, token);
    const doomed = rows[2]!;
    // Recording this delivery's attempt raises (test/setup/faults.ts).
    await db().execute(sql`INSERT INTO test_crash_events VALUES (${doomed.eventId})`);
    try {
      const recorder = new AttemptRecorder(db(), new Slots(6));
      const results = await Promise.allSettled(rows.map((d) => recorder.record(succeeded(d.id, token), endpoint.id)));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
      for (const d of rows) {
        expect((await deliveriesOf(d.eventId))[0]).toMatchObject(d === doomed ? { status: "pending", attemptCount: 0 } : { status: "succeeded", attemptCount: 1 });
      }
    } finally {
      await db().execute(sql`DELETE FROM test_crash_events WHERE event_id = ${doomed.eventId}`);
    }
  });
});

describe("the consumer's connection slots", () => {
  it("run at most their size at once, and every one in the end", async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        slots.use(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("let a `first` caller ahead of those already waiting", async () => {
    const slots = new Slots(1);
    const order: string[] = [];
    let release = () => {};
    const held = slots.use(() => new Promise<void>((r) => (release = r)));
    const waiting = [
      slots.use(async () => void order.push("sender 1")),
      slots.use(async () => void order.push("sender 2")),
      slots.use(async () => void order.push("recorder"), { first: true }),
    ];
    release();
    await Promise.all([held, ...waiting]);
    expect(order).toEqual(["recorder", "sender 1", "sender 2"]);
  });

  it("free a slot when the work throws", async () => {
    const slots = new Slots(1);
    await expect(slots.use(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await slots.use(async () => "next")).toBe("next");
  });
});
