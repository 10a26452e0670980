import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq, inArray, sql } from "drizzle-orm";
import worker from "../../functions/index.ts";
import type { Bindings } from "../../functions/env.ts";
import { claimUnfannedEvents } from "../../db/queries/events.ts";
import { deadLetters, events, idempotencyKeys, leads, webhookDeliveries, webhookEndpoints } from "../../db/schema/index.ts";
import { sendDueDeliveries, sweepOutbox } from "../../functions/cron/webhooks.ts";
import { newId } from "../../schemas/ids.ts";
import { newEvent, publishAfterCommit } from "../../functions/lib/outbox.ts";
import { bearer, call, db, makeWorkspace, tenant, testEnv } from "./fixtures.ts";
import { runUnderChaos } from "./webhooks-chaos.ts";
import { rng } from "../setup/random-json.ts";
import { bindings, createEndpoint, deliveriesOf, insertEvent, receiver, recordingQueue, runQueue, samplePayloads } from "./webhooks-helpers.ts";

async function setup() {
  const { workspace, live } = await tenant();
  const r = await receiver();
  const endpoint = await createEndpoint(live.key, { url: r.url });
  await r.configure({ secrets: [endpoint.secret], hexSecret: endpoint.secret });
  return { r, endpoint, owner: { workspaceId: workspace.id, mode: "live" as const }, key: live.key };
}

const poll = { timeout: 15_000, interval: 100 };
const endpointRow = async (id: string) => (await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0]!;

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

  it("answers an intake whose queue send throws after the commit, and the sweeper delivers its events", async () => {
    const { r, owner, key } = await setup();
    const broken = { send: () => Promise.reject(new Error("queue unavailable")), sendBatch: () => Promise.reject(new Error("queue unavailable")) };
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("https://ringback.test/v1/callbacks", { method: "POST", headers: { ...bearer(key), "Content-Type": "application/json" }, body: JSON.stringify({ phone: "+14155550123" }) }),
      { ...bindings, WEBHOOKS: broken } as unknown as Bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(201);
    const written = await db().select().from(events).where(eq(events.workspaceId, owner.workspaceId));
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((e) => e.enqueuedAt === null && e.fannedOutAt === null)).toBe(true);

    // Half a minute on, the cron sends them through the real queue.
    await db().update(events).set({ createdAt: new Date(Date.now() - 31_000) }).where(eq(events.workspaceId, owner.workspaceId));
    const cron = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), bindings, cron);
    await waitOnExecutionContext(cron);
    await expect.poll(async () => (await r.requests()).length, poll).toBe(written.length);
    expect(new Set((await r.requests()).map((q) => JSON.parse(q.body).id))).toEqual(new Set(written.map((e) => e.id)));
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
    expect(await claimUnfannedEvents(db(), 10_000)).toContain(event.id);
    const queue = recordingQueue();
    await sweepOutbox({ ...testEnv(), WEBHOOKS: queue.queue });
    expect(queue.sent.map((m) => m.body.event_id)).not.toContain(event.id);

    await db().update(events).set({ claimedAt: new Date(Date.now() - 121_000) }).where(eq(events.id, event.id));
    await sweepOutbox({ ...testEnv(), WEBHOOKS: queue.queue });
    expect(queue.sent.map((m) => m.body.event_id)).toContain(event.id);
  });
});

describe("a consumer that throws mid-batch", () => {
  it("loses nothing: what it recorded stays, and the delivery it could not record is sent again, under the same webhook-id", async () => {
    const { r, endpoint, owner } = await setup();
    const batchEvents = [];
    for (let i = 0; i < 5; i++) batchEvents.push(await insertEvent(owner, "call.connected", { ...samplePayloads["call.connected"], call_id: `att_${i}` }));
    // The database fails the write that records one attempt, after its request went out
    // (test/setup/faults.ts), as a crash or an outage would.
    const doomed = batchEvents[2]!;
    await db().execute(sql`INSERT INTO test_crash_events VALUES (${doomed.id})`);

    const bodies = batchEvents.map((e) => ({ event_id: e.id }));
    const queue = recordingQueue();
    const crashed = await runQueue("webhooks", bodies, { bindings: { WEBHOOKS: queue.queue } });
    expect(crashed.thrown).not.toBeNull();
    expect(crashed.result.explicitAcks).toEqual([]); // the runtime redelivers all of them
    expect(await r.requests()).toHaveLength(5);
    // Each attempt was recorded as it ended: the four that could be are done.
    for (const e of batchEvents) {
      const [d] = await deliveriesOf(e.id);
      if (e === doomed) {
        expect(d).toMatchObject({ status: "pending", attemptCount: 0 });
        expect(d!.leasedUntil).toBeInstanceOf(Date); // another consumer leaves it alone for now
        expect(d!.nextAttemptAt!.getTime()).toBeLessThan(Date.now() + 3 * 60_000); // and the cron sends it soon after
      } else expect(d).toMatchObject({ status: "succeeded", attemptCount: 1 });
    }

    await db().execute(sql`DELETE FROM test_crash_events WHERE event_id = ${doomed.id}`);
    const redelivered = await runQueue("webhooks", bodies, { attempts: 2, bindings: { WEBHOOKS: queue.queue } });
    expect(redelivered.thrown).toBeNull();
    expect(redelivered.result.explicitAcks).toHaveLength(5);
    expect(await r.requests()).toHaveLength(5); // nothing sent twice while its lease holds

    // The lease lapses; the cron finds the delivery due and the consumer sends it again.
    const [stuck] = await deliveriesOf(doomed.id);
    await db().update(webhookDeliveries).set({ leasedUntil: new Date(Date.now() - 1000), nextAttemptAt: new Date(Date.now() - 1000) }).where(eq(webhookDeliveries.id, stuck!.id));
    const cron = recordingQueue();
    await sendDueDeliveries({ ...testEnv(), WEBHOOKS: cron.queue });
    expect(cron.sent.map((m) => m.body)).toContainEqual({ event_id: doomed.id, delivery_id: stuck!.id, attempt: 0 });
    await runQueue("webhooks", [{ event_id: doomed.id, delivery_id: stuck!.id, attempt: 0 }], { bindings: { WEBHOOKS: queue.queue } });

    const requests = await r.requests();
    expect(requests).toHaveLength(6);
    for (const e of batchEvents) {
      const [d] = await deliveriesOf(e.id);
      expect(d).toMatchObject({ status: "succeeded", attemptCount: 1 });
      const forEvent = requests.filter((q) => JSON.parse(q.body).id === e.id);
      expect(forEvent.map((q) => q.headers["webhook-id"])).toEqual(e === doomed ? [d!.id, d!.id] : [d!.id]);
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

// The cron's tests are in this file, with the sweeper's: each takes every due row in the database,
// and tests running side by side in other files must not take each other's.
describe("the cron", () => {
  it("purges expired idempotency keys and keeps live ones", async () => {
    const workspace = await makeWorkspace();
    const row = { workspaceId: workspace.id, mode: "live" as const, requestHash: "h" };
    await db()
      .insert(idempotencyKeys)
      .values([
        { ...row, key: "expired", expiresAt: new Date(Date.now() - 1000) },
        { ...row, key: "current", expiresAt: new Date(Date.now() + 3_600_000) },
      ]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), bindings, ctx);
    await waitOnExecutionContext(ctx);
    const left = await db().select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(eq(idempotencyKeys.workspaceId, workspace.id));
    expect(left.map((r) => r.key)).toEqual(["current"]);
  });

  it("hands waits over 12 h to the cron through next_attempt_at, and gives up after the tenth attempt", async () => {
    const { r, endpoint, owner } = await setup();
    await r.configure({ responses: [{ status: 500 }, { status: 500 }, { status: 503 }] });
    const event = await insertEvent(owner, "call.missed", samplePayloads["call.missed"]);
    const queue = recordingQueue();
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: queue.queue } });
    const [delivery] = await deliveriesOf(event.id);
    expect((await endpointRow(endpoint.id)).failingSince).toBeInstanceOf(Date);
    const unpause = () => db().update(webhookEndpoints).set({ pausedUntil: null }).where(eq(webhookEndpoints.id, endpoint.id));

    // As if seven attempts had failed: the eighth fails too, and the next wait (20 h) is the cron's.
    await db().update(webhookDeliveries).set({ attemptCount: 7 }).where(eq(webhookDeliveries.id, delivery!.id));
    const sentBefore = queue.sent.length;
    const eighth = await runQueue("webhooks", [{ event_id: event.id, delivery_id: delivery!.id }], { bindings: { WEBHOOKS: queue.queue } });
    expect(queue.sent).toHaveLength(sentBefore);
    expect(eighth.result.explicitAcks).toHaveLength(1);
    const [waiting] = await deliveriesOf(event.id);
    const hours = (waiting!.nextAttemptAt!.getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(20 * 0.9 - 0.01);
    expect(hours).toBeLessThan(20 * 1.1 + 0.01);

    // When it is due, the cron claims it and queues it; the consumer sends it.
    await db().update(webhookDeliveries).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(eq(webhookDeliveries.id, delivery!.id));
    const cronQueue = recordingQueue();
    await sendDueDeliveries({ ...testEnv(), WEBHOOKS: cronQueue.queue });
    expect(cronQueue.sent.map((m) => m.body)).toContainEqual({ event_id: event.id, delivery_id: delivery!.id, attempt: 8 });
    const [claimed] = await deliveriesOf(event.id);
    expect(claimed!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000); // the claim's lease
    await runQueue("webhooks", [{ event_id: event.id, delivery_id: delivery!.id }], { bindings: { WEBHOOKS: queue.queue } });
    const [sent] = await deliveriesOf(event.id);
    expect(sent).toMatchObject({ status: "pending", attemptCount: 9 });

    // The tenth attempt is the last: it fails, and so does the delivery.
    await db().update(webhookDeliveries).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(eq(webhookDeliveries.id, delivery!.id));
    await unpause(); // the three failures running paused the endpoint; as if the pause were over
    await r.configure({ responses: [{ status: 502 }] });
    const sentBeforeLast = queue.sent.length;
    await runQueue("webhooks", [{ event_id: event.id, delivery_id: delivery!.id }], { bindings: { WEBHOOKS: queue.queue } });
    expect(queue.sent).toHaveLength(sentBeforeLast);
    const [failed] = await deliveriesOf(event.id);
    expect(failed).toMatchObject({ status: "failed", attemptCount: 10, nextAttemptAt: null });
  });

  describe("a paused endpoint's backlog", () => {
    /** Four deliveries parked behind a pause that ends now, as if the endpoint had failed three times running. */
    async function parkedBacklog() {
      const { r, endpoint, owner, key } = await setup();
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push((await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"])).id);
      await runQueue("webhooks", ids.map((id) => ({ event_id: id })), { bindings: { WEBHOOKS: recordingQueue().queue } });
      const rows = await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, ids));
      await db().update(webhookDeliveries).set({ status: "pending", nextAttemptAt: null, attemptCount: 3 }).where(inArray(webhookDeliveries.eventId, ids));
      await db().update(webhookEndpoints).set({ pausedUntil: new Date(Date.now() + 60_000), failureStreak: 3, pauseCount: 1, hasParked: true }).where(eq(webhookEndpoints.id, endpoint.id));
      const ours = (id: string | undefined) => rows.some((d) => d.id === id);
      /** What a cron run sends of this backlog. */
      const cronSends = async () => {
        const cron = recordingQueue();
        await sendDueDeliveries({ ...testEnv(), WEBHOOKS: cron.queue });
        return cron.sent.map((m) => m.body).filter((b) => ours(b.delivery_id));
      };
      return { r, endpoint, rows, cronSends, key };
    }

    it("costs the cron nothing while paused, sends one probe when the pause ends, and the rest once it succeeds", async () => {
      const { r, endpoint, rows, cronSends } = await parkedBacklog();
      expect(await cronSends()).toEqual([]);

      await db().update(webhookEndpoints).set({ pausedUntil: new Date(Date.now() - 1000) }).where(eq(webhookEndpoints.id, endpoint.id));
      const [probe, ...others] = await cronSends();
      expect(others).toEqual([]);
      expect(probe).toMatchObject({ attempt: 3 });
      expect(await endpointRow(endpoint.id)).toMatchObject({ probeDeliveryId: probe!.delivery_id });
      expect(await cronSends()).toEqual([]); // the probe is under way; the rest wait behind it

      // The probe succeeds: the backlog follows it onto the fast lane, sent by the consumer itself.
      const next = recordingQueue();
      await runQueue("webhooks", [probe!], { bindings: { WEBHOOKS: next.queue } });
      expect(await endpointRow(endpoint.id)).toMatchObject({ pausedUntil: null, failureStreak: 0, pauseCount: 0, probeDeliveryId: null, hasParked: false });
      const released = next.sent.map((m) => m.body);
      expect(released.map((m) => m.delivery_id).sort()).toEqual(rows.map((d) => d.id).filter((id) => id !== probe!.delivery_id).sort());
      expect(await cronSends()).toEqual([]);
      await runQueue("webhooks", released, { bindings: { WEBHOOKS: recordingQueue().queue } });
      const after = await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, rows.map((d) => d.id)));
      expect(after.every((d) => d.status === "succeeded")).toBe(true);
      expect(await r.requests()).toHaveLength(4 + 4);
    });

    it("is let go at once when the endpoint gets a new URL, which starts its health afresh", async () => {
      const { endpoint, rows, cronSends, key } = await parkedBacklog();
      const other = await receiver();
      const res = await call(`/v1/webhook_endpoints/${endpoint.id}`, { method: "PATCH", headers: { ...bearer(key), "Content-Type": "application/json" }, body: JSON.stringify({ url: other.url }) });
      expect(res.status).toBe(200);
      expect(await endpointRow(endpoint.id)).toMatchObject({ pausedUntil: null, failureStreak: 0, pauseCount: 0 });
      expect((await cronSends()).map((m) => m.delivery_id).sort()).toEqual(rows.map((d) => d.id).sort());
    });

    it("is let go by the cron, to be refused, when the endpoint is disabled by hand", async () => {
      const { endpoint, rows, cronSends, key } = await parkedBacklog();
      const res = await call(`/v1/webhook_endpoints/${endpoint.id}`, { method: "PATCH", headers: { ...bearer(key), "Content-Type": "application/json" }, body: JSON.stringify({ enabled: false }) });
      expect(res.status).toBe(200);
      const sent = await cronSends();
      expect(sent.map((m) => m.delivery_id).sort()).toEqual(rows.map((d) => d.id).sort());
      await runQueue("webhooks", sent, { bindings: { WEBHOOKS: recordingQueue().queue } });
      const after = await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, rows.map((d) => d.id)));
      expect(after.map((d) => [d.status, d.attempts.at(-1)?.error])).toEqual(rows.map(() => ["failed", "the endpoint is disabled"]));
      expect(await endpointRow(endpoint.id)).toMatchObject({ hasParked: false });
    });

    it("is let go by the cron when a success ended the pause but the deliveries it released ended without one", async () => {
      const { endpoint, rows, cronSends } = await parkedBacklog();
      // Not paused any more, and nothing of the backlog's own doing to let the rest go.
      await db().update(webhookEndpoints).set({ pausedUntil: null, failureStreak: 0, pauseCount: 0 }).where(eq(webhookEndpoints.id, endpoint.id));
      expect((await cronSends()).map((m) => m.delivery_id).sort()).toEqual(rows.map((d) => d.id).sort());
      expect(await endpointRow(endpoint.id)).toMatchObject({ hasParked: false });
    });

    it("pauses the endpoint again, for twice as long, when the probe fails, and keeps the rest parked", async () => {
      const { r, endpoint, cronSends } = await parkedBacklog();
      await r.configure({ responses: [{ status: 503 }] });
      await db().update(webhookEndpoints).set({ pausedUntil: new Date(Date.now() - 1000) }).where(eq(webhookEndpoints.id, endpoint.id));
      const [probe] = await cronSends();
      await runQueue("webhooks", [probe!], { bindings: { WEBHOOKS: recordingQueue().queue } });
      const paused = await endpointRow(endpoint.id);
      expect(paused).toMatchObject({ failureStreak: 4, pauseCount: 2, probeDeliveryId: null });
      const seconds = (paused.pausedUntil!.getTime() - Date.now()) / 1000;
      expect(seconds).toBeGreaterThan(110);
      expect(seconds).toBeLessThanOrEqual(120);
      const [tried] = await deliveriesOf(probe!.event_id);
      expect(tried).toMatchObject({ status: "pending", attemptCount: 4, nextAttemptAt: null }); // parked again
      expect(await cronSends()).toEqual([]);
    });
  });
});

// In this file, not its own: it runs the sweeper, which takes every old event in the database,
// and the sweeper tests above must not race it for theirs.
describe("under chaos: messages dropped, dead-lettered, consumers killed mid-batch", () => {
  it("every committed event reaches every subscribed receiver, once per webhook-id after de-duplication", async () => {
    const random = rng(20261201);
    const types = ["lead.updated", "callback.scheduled", "call.connected"] as const;
    const one = await tenant("Chaos one");
    const two = await tenant("Chaos two");
    const everything = await receiver();
    const flaky = await receiver(); // answers 500 eight times, then recovers
    const other = await receiver();
    const a = await createEndpoint(one.live.key, { url: everything.url });
    const b = await createEndpoint(one.live.key, { url: flaky.url, events: ["lead.updated"] });
    const c = await createEndpoint(two.live.key, { url: other.url });
    await everything.configure({ secrets: [a.secret] });
    await flaky.configure({ secrets: [b.secret], responses: Array.from({ length: 8 }, () => ({ status: 500 })) });
    await other.configure({ secrets: [c.secret] });

    const owners = [one, two].map((t) => ({ workspaceId: t.workspace.id, mode: "live" as const }));
    const written = [];
    for (let i = 0; i < 60; i++) {
      const type = types[i % types.length]!;
      // Half were handed to the queue and lost there; half never reached it (the process died).
      written.push(await insertEvent(owners[i % 4 === 3 ? 1 : 0]!, type, samplePayloads[type], { enqueued: i % 2 === 0, createdAt: new Date(Date.now() - 60_000) }));
    }
    const eventIds = written.map((e) => e.id);

    const counts = await runUnderChaos({ eventIds, endpointIds: [a.id, b.id, c.id], random, chaosRounds: 4, maxRounds: 20 });
    expect(counts.dropped).toBeGreaterThan(0);
    expect(counts.deadLettered).toBeGreaterThan(0);
    expect(counts.crashedBatches).toBeGreaterThan(0);

    // What each receiver should have: every event of its workspace it subscribes to.
    const expected = new Map([
      [a.id, written.filter((e) => e.workspaceId === one.workspace.id)],
      [b.id, written.filter((e) => e.workspaceId === one.workspace.id && e.type === "lead.updated")],
      [c.id, written.filter((e) => e.workspaceId === two.workspace.id)],
    ]);
    const rows = await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, eventIds));
    expect(rows.every((d) => d.status === "succeeded")).toBe(true);
    for (const [endpoint, r] of [[a, everything], [b, flaky], [c, other]] as const) {
      const requests = await r.requests();
      expect(requests.every((q) => q.verdicts.standard[endpoint.secret])).toBe(true);
      // After de-duplication by webhook-id: one message per event, each event once.
      const byId = new Map<string, Set<string>>();
      for (const q of requests) byId.set(q.headers["webhook-id"]!, (byId.get(q.headers["webhook-id"]!) ?? new Set()).add(JSON.parse(q.body).id));
      expect([...byId.values()].every((bodies) => bodies.size === 1)).toBe(true);
      const delivered = [...byId.values()].map((bodies) => [...bodies][0]!);
      expect(delivered.sort()).toEqual(expected.get(endpoint.id)!.map((e) => e.id).sort());
      const ids = rows.filter((d) => d.endpointId === endpoint.id).map((d) => d.id);
      expect([...byId.keys()].sort()).toEqual(ids.sort());
    }
    // The flaky receiver's failures were retried, and its backlog waited out its pauses.
    expect(expected.get(b.id)!.length).toBeGreaterThan(0);
    expect(await flaky.requests().then((q) => q.length)).toBeGreaterThan(expected.get(b.id)!.length);
  });
});

// The sweeper in bounded steps (functions/cron/budget.ts). Here, not in cron-sweeps.test.ts: a sweep
// takes every due event in the shared database, so it must not run beside this file's own sweeps.
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
