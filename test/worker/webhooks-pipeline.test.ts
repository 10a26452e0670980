import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq, inArray, sql } from "drizzle-orm";
import worker from "../../functions/index.ts";
import { claimUnsentEvents } from "../../db/queries/events.ts";
import { deadLetters, events, leads } from "../../db/schema/index.ts";
import { sweepOutbox } from "../../functions/cron/webhooks.ts";
import { newId } from "../../functions/lib/ids.ts";
import { newEvent, publishAfterCommit } from "../../functions/lib/outbox.ts";
import { db, tenant, testEnv } from "./fixtures.ts";
import { bindings, createEndpoint, deliveriesOf, insertEvent, receiver, recordingQueue, runQueue, samplePayloads } from "./webhooks-helpers.ts";

async function setup() {
  const { workspace, live } = await tenant();
  const r = await receiver();
  const endpoint = await createEndpoint(live.key, { url: r.url });
  await r.configure({ secrets: [endpoint.secret], hexSecret: endpoint.secret });
  return { r, endpoint, owner: { workspaceId: workspace.id, mode: "live" as const } };
}

const poll = { timeout: 15_000, interval: 100 };

describe("outbox to queue to receiver", () => {
  it("commits the event with the change it describes, then the fast path delivers it through the real queue", async () => {
    const { r, endpoint, owner } = await setup();
    const leadId = newId("lead");
    const event = newEvent(owner, "lead.updated", { ...samplePayloads["lead.updated"], id: leadId });
    await db().batch([
      db().insert(leads).values({ id: leadId, ...owner, phone: "+14155550123", phoneRaw: "(415) 555-0123" }),
      db().insert(events).values(event),
    ]);
    const ctx = createExecutionContext();
    publishAfterCommit(testEnv(), ctx, [event]);
    await waitOnExecutionContext(ctx);

    await expect.poll(async () => (await r.requests()).length, poll).toBe(1);
    const [request] = await r.requests();
    expect(request!.verdicts.standard[endpoint.secret]).toBe(true);
    expect(JSON.parse(request!.body)).toMatchObject({ id: event.id, event: "lead.updated" });
    const [row] = await db().select().from(events).where(eq(events.id, event.id));
    expect(row!.enqueuedAt).toBeInstanceOf(Date);
  });

  it("delivers through the sweeper an event whose process died between commit and send", async () => {
    const { r, owner } = await setup();
    const event = await insertEvent(owner, "form_response.created", samplePayloads["form_response.created"], { enqueued: false, createdAt: new Date(Date.now() - 31_000) });
    // The cron, as Cloudflare runs it, with the real queue behind it.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), bindings, ctx);
    await waitOnExecutionContext(ctx);

    await expect.poll(async () => (await r.requests()).length, poll).toBe(1);
    expect(JSON.parse((await r.requests())[0]!.body)).toMatchObject({ id: event.id, event: "form_response.created" });
    const [row] = await db().select().from(events).where(eq(events.id, event.id));
    expect(row!.enqueuedAt).toBeInstanceOf(Date);
  });

  it("leaves an event younger than 30 s to the fast path", async () => {
    const { owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"], { enqueued: false });
    const queue = recordingQueue();
    await sweepOutbox({ ...testEnv(), WEBHOOKS: queue.queue });
    expect(queue.sent.map((m) => m.body.event_id)).not.toContain(event.id);
  });
});

describe("the sweeper's claim", () => {
  it("never lets two sweepers running at once send the same event", async () => {
    const { owner } = await setup();
    const old = new Date(Date.now() - 60_000);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"], { enqueued: false, createdAt: old })).id);
    const a = recordingQueue();
    const b = recordingQueue();
    await Promise.all([sweepOutbox({ ...testEnv(), WEBHOOKS: a.queue }), sweepOutbox({ ...testEnv(), WEBHOOKS: b.queue })]);

    const mine = (q: typeof a) => q.sent.map((m) => m.body.event_id).filter((id) => ids.includes(id));
    const both = [...mine(a), ...mine(b)];
    expect(new Set(both).size).toBe(both.length); // nothing sent twice
    expect(both.length).toBeGreaterThan(0);
    const rows = await db().select().from(events).where(inArray(events.id, ids));
    expect(rows.every((row) => row.enqueuedAt !== null)).toBe(true);
  });

  it("takes back the claim of a sweeper that died before sending, after two minutes", async () => {
    const { owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"], { enqueued: false, createdAt: new Date(Date.now() - 60_000) });
    // A sweeper claims it and dies.
    expect(await claimUnsentEvents(db(), 10_000)).toContain(event.id);
    const queue = recordingQueue();
    await sweepOutbox({ ...testEnv(), WEBHOOKS: queue.queue });
    expect(queue.sent.map((m) => m.body.event_id)).not.toContain(event.id);

    await db().update(events).set({ claimedAt: new Date(Date.now() - 121_000) }).where(eq(events.id, event.id));
    await sweepOutbox({ ...testEnv(), WEBHOOKS: queue.queue });
    expect(queue.sent.map((m) => m.body.event_id)).toContain(event.id);
  });
});

describe("a consumer that throws mid-batch", () => {
  it("loses nothing: the redelivered batch re-sends every delivery under the same webhook-id", async () => {
    const { r, endpoint, owner } = await setup();
    const batchEvents = [];
    for (let i = 0; i < 5; i++) batchEvents.push(await insertEvent(owner, "call.connected", { ...samplePayloads["call.connected"], call_id: `att_${i}` }));
    // The database fails the write that records the attempts, after the requests went out: a
    // trigger that raises for one event of the batch, as a crash or an outage would.
    await db().execute(sql`CREATE TABLE IF NOT EXISTS test_crash_events (event_id text PRIMARY KEY)`);
    await db().execute(sql.raw(`CREATE OR REPLACE FUNCTION test_crash() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM test_crash_events WHERE event_id = NEW.event_id) THEN RAISE EXCEPTION 'simulated crash'; END IF;
        RETURN NEW;
      END $$`));
    await db().execute(sql`DROP TRIGGER IF EXISTS test_crash ON webhook_deliveries`);
    await db().execute(sql`CREATE TRIGGER test_crash BEFORE UPDATE OF attempt_count ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION test_crash()`);
    await db().execute(sql`INSERT INTO test_crash_events VALUES (${batchEvents[2]!.id})`);

    const bodies = batchEvents.map((e) => ({ event_id: e.id }));
    const queue = recordingQueue();
    const crashed = await runQueue("webhooks", bodies, { bindings: { WEBHOOKS: queue.queue } });
    expect(crashed.thrown).not.toBeNull();
    expect(crashed.result.explicitAcks).toEqual([]); // the runtime redelivers all of them
    expect(await r.requests()).toHaveLength(5);
    for (const e of batchEvents) {
      const [d] = await deliveriesOf(e.id);
      expect(d).toMatchObject({ status: "pending", attemptCount: 0 });
      expect(d!.nextAttemptAt).toBeInstanceOf(Date); // and the cron would send it if the queue did not
    }

    await db().execute(sql`DELETE FROM test_crash_events WHERE event_id = ${batchEvents[2]!.id}`);
    const redelivered = await runQueue("webhooks", bodies, { attempts: 2, bindings: { WEBHOOKS: queue.queue } });
    expect(redelivered.thrown).toBeNull();
    expect(redelivered.result.explicitAcks).toHaveLength(5);

    const requests = await r.requests();
    expect(requests).toHaveLength(10);
    for (const e of batchEvents) {
      const [d] = await deliveriesOf(e.id);
      expect(d).toMatchObject({ status: "succeeded", attemptCount: 1 });
      const forEvent = requests.filter((q) => JSON.parse(q.body).id === e.id);
      expect(forEvent.map((q) => q.headers["webhook-id"])).toEqual([d!.id, d!.id]);
      expect(forEvent.every((q) => q.verdicts.standard[endpoint.secret])).toBe(true);
    }
  });
});

describe("dead letters", () => {
  it("records a message that cannot be parsed, or names no event, and acknowledges it instead of crash-looping", async () => {
    const { r, owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const missing = newId("event");
    const bodies = [{ event: "nope" }, "just a string", { event_id: missing }, { event_id: event.id }];
    const { result, batch, thrown } = await runQueue("webhooks", bodies, { bindings: { WEBHOOKS: recordingQueue().queue } });
    expect(thrown).toBeNull();
    expect(result.explicitAcks).toHaveLength(4);
    expect(await r.requests()).toHaveLength(1);

    const ids = batch.messages.map((m) => m.id);
    const rows = await db().select().from(deadLetters).where(inArray(deadLetters.messageId, ids));
    expect(rows.map((row) => [row.body, row.queue, row.eventId]).sort()).toEqual(
      [
        [{ event: "nope" }, "webhooks", null],
        ["just a string", "webhooks", null],
        [{ event_id: missing }, "webhooks", missing],
      ].sort(),
    );
    expect(rows.find((row) => row.eventId === missing)!.reason).toBe("no such event");
    expect(rows.find((row) => row.body === "just a string")!.reason).toMatch(/^unparseable/);
  });

  it("the DLQ consumer records every message once, whatever its body, and names the event's workspace", async () => {
    const { owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const bytes = new TextEncoder().encode("raw\u0000bytes").buffer;
    const bodies = [{ event_id: event.id }, { weird: "\u0000 nul" }, bytes, 42];
    const first = await runQueue("webhooks-dlq", bodies);
    expect(first.result.ackAll).toBe(true);
    const ids = first.batch.messages.map((m) => m.id);
    const rows = await db().select().from(deadLetters).where(inArray(deadLetters.messageId, ids));
    expect(rows).toHaveLength(4);
    expect(rows.every((row) => row.queue === "webhooks")).toBe(true);
    expect(rows.find((row) => row.eventId === event.id)!.workspaceId).toBe(owner.workspaceId);
    expect(rows.map((row) => row.body)).toContainEqual({ bytes_base64: btoa("raw\u0000bytes") });
  });

  it("the DLQ consumer retries, and acknowledges nothing, when Postgres cannot take the records", async () => {
    const broken = { NEON_SQL_ENDPOINT: "http://127.0.0.1:9/sql" };
    const { result, thrown } = await runQueue("webhooks-dlq", [{ event_id: newId("event") }], { bindings: broken });
    expect(thrown).toBeNull();
    expect(result.retryBatch.retry).toBe(true);
    expect(result.ackAll).toBe(false);
    expect(result.explicitAcks).toEqual([]);
  });
});
