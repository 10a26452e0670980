import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { webhookDeliveries, webhookEndpoints } from "../../db/schema/index.ts";
import { EventEnvelope } from "../../schemas/events.ts";
import { claimWork, leaseFor, park, recordAttempt } from "../../db/queries/webhook-work.ts";
import { newId } from "../../schemas/ids.ts";
import { bearer, call, db, tenant } from "./fixtures.ts";
import { randomJson, randomString, rng } from "../setup/random-json.ts";
import { agentWithWebhook, createEndpoint, deliveriesOf, insertEvent, postCall, receiver, recordingQueue, runQueue, samplePayloads } from "./webhooks-helpers.ts";
import { pythonJson } from "../../functions/lib/python-json.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(options: { events?: unknown } = {}) {
  const { workspace, live, test } = await tenant();
  const r = await receiver();
  const endpoint = await createEndpoint(live.key, { url: r.url, ...(options.events !== undefined && { events: options.events }) });
  await r.configure({ secrets: [endpoint.secret], hexSecret: endpoint.secret });
  const owner = { workspaceId: workspace.id, mode: "live" as const };
  return { workspace, live, test, r, endpoint, owner };
}

const endpointRow = async (id: string) => (await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0]!;

describe("fan-out", () => {
  it("delivers the envelope, signed so standardwebhooks and a seed-style receiver verify it in Node", async () => {
    const { r, endpoint, owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const queue = recordingQueue();
    const { result, thrown } = await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: queue.queue } });
    expect(thrown).toBeNull();
    expect(result.explicitAcks).toHaveLength(1);

    const [request] = await r.requests();
    const [delivery] = await deliveriesOf(event.id);
    expect(request!.verdicts).toEqual({ standard: { [endpoint.secret]: true }, ringbackHex: true, calldock: null });
    expect(request!.headers).toMatchObject({ "webhook-id": delivery!.id, "x-ringback-event": "lead.updated", "content-type": "application/json" });
    expect(request!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Math.abs(Number(request!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    expect(EventEnvelope.parse(JSON.parse(request!.body))).toEqual({ id: event.id, event: "lead.updated", created_at: event.createdAt.toISOString(), data: samplePayloads["lead.updated"] });
    expect(request!.body).toBe(JSON.stringify(JSON.parse(request!.body))); // compact
    expect(delivery).toMatchObject({ status: "succeeded", attemptCount: 1, endpointId: endpoint.id, nextAttemptAt: null });
    expect(delivery!.attempts[0]).toMatchObject({ status_code: 200, response_body: "ok", error: null });
    expect(queue.sent).toEqual([]);
  });

  it("sends each event only to the enabled endpoints of its workspace and mode that subscribe to its type", async () => {
    const { workspace, live, test, r, owner } = await setup({ events: ["callback.scheduled"] });
    const all = await receiver();
    await createEndpoint(live.key, { url: all.url, events: "*" });
    const disabled = await receiver();
    await createEndpoint(live.key, { url: disabled.url, enabled: false });
    const testMode = await receiver();
    await createEndpoint(test.key, { url: testMode.url });
    const other = await tenant();
    const otherReceiver = await receiver();
    await createEndpoint(other.live.key, { url: otherReceiver.url });

    const scheduled = await insertEvent(owner, "callback.scheduled", samplePayloads["callback.scheduled"]);
    const updated = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    await runQueue("webhooks", [{ event_id: scheduled.id }, { event_id: updated.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });

    expect((await r.requests()).map((q) => q.headers["x-ringback-event"])).toEqual(["callback.scheduled"]);
    expect((await all.requests()).map((q) => q.headers["x-ringback-event"]).sort()).toEqual(["callback.scheduled", "lead.updated"]);
    expect(await disabled.requests()).toEqual([]);
    expect(await testMode.requests()).toEqual([]);
    expect(await otherReceiver.requests()).toEqual([]);
    expect(workspace.id).toBe(owner.workspaceId);
  });

  it("keeps one delivery row per event and endpoint: a duplicate message re-sends with the same webhook-id", async () => {
    const { r, owner } = await setup();
    await r.configure({ responses: [{ status: 200 }] });
    const event = await insertEvent(owner, "call.initiated", samplePayloads["call.initiated"]);
    const queue = recordingQueue();
    // The same message twice in one batch, then again after a crash that lost the first record.
    await runQueue("webhooks", [{ event_id: event.id }, { event_id: event.id }], { bindings: { WEBHOOKS: queue.queue } });
    const [delivery] = await deliveriesOf(event.id);
    await db().update(webhookDeliveries).set({ status: "pending", attemptCount: 0 }).where(eq(webhookDeliveries.id, delivery!.id));
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: queue.queue } });

    expect(await deliveriesOf(event.id)).toHaveLength(1);
    const requests = await r.requests();
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((q) => q.headers["webhook-id"]))).toEqual(new Set([delivery!.id]));
  });
});

describe("retries", () => {
  it("retries on the schedule with one webhook-id and a fresh timestamp per attempt, honouring Retry-After", async () => {
    const { r, endpoint, owner } = await setup();
    await r.configure({
      secrets: [endpoint.secret],
      hexSecret: endpoint.secret,
      responses: [{ status: 500 }, { status: 503, headers: { "Retry-After": "4000" } }, { status: 429, headers: { "Retry-After": "1" } }],
    });
    const event = await insertEvent(owner, "callback.completed", samplePayloads["callback.completed"]);
    const queue = recordingQueue();
    const run = (body: unknown) => runQueue("webhooks", [body], { bindings: { WEBHOOKS: queue.queue } });
    const lastSent = () => queue.sent.at(-1)!;

    // Attempt 1, from the fan-out: the failure goes on as a message of its own, 5 s (±10 %) later.
    const first = await run({ event_id: event.id });
    expect(first.result.explicitAcks).toHaveLength(1);
    const [delivery] = await deliveriesOf(event.id);
    expect(queue.sent).toHaveLength(1);
    expect(lastSent().body).toEqual({ event_id: event.id, delivery_id: delivery!.id, attempt: 1 });
    expect(lastSent().delaySeconds).toBeGreaterThanOrEqual(4);
    expect(lastSent().delaySeconds).toBeLessThanOrEqual(6);

    // Attempt 2: a 503 asking for 4000 s; the schedule's 5 min is the shorter, so 4000 s it is.
    await sleep(1100);
    await run(lastSent().body);
    expect(queue.sent).toHaveLength(2);
    expect(lastSent().delaySeconds).toBe(4000);

    // Attempt 3: a 429. Three failures running pause the endpoint for a minute (Retry-After asks
    // for less): the retry is parked with the endpoint's backlog, for the cron's probe.
    await sleep(1100);
    const third = await run(lastSent().body);
    expect(third.result.explicitAcks).toHaveLength(1);
    expect(queue.sent).toHaveLength(2);
    const paused = await endpointRow(endpoint.id);
    expect(paused).toMatchObject({ failureStreak: 3, pauseCount: 1 });
    expect((paused.pausedUntil!.getTime() - Date.now()) / 1000).toBeGreaterThan(50);
    const [parked] = await deliveriesOf(event.id);
    expect(parked).toMatchObject({ status: "pending", attemptCount: 3, nextAttemptAt: null });

    // The pause ends. A late duplicate of attempt 3's message is not a fourth attempt.
    await db().update(webhookEndpoints).set({ pausedUntil: new Date(Date.now() - 1000) }).where(eq(webhookEndpoints.id, endpoint.id));
    await run(lastSent().body);
    expect(await r.requests()).toHaveLength(3);

    // Attempt 4, as the cron's probe sends it (webhooks-pipeline tests the cron's part): it
    // succeeds, and ends the episode.
    await sleep(1100);
    const fourth = await run({ event_id: event.id, delivery_id: delivery!.id, attempt: 3 });
    expect(fourth.result.explicitAcks).toHaveLength(1);
    expect(queue.sent).toHaveLength(2);

    const requests = await r.requests();
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((q) => q.headers["webhook-id"]))).toEqual(new Set([delivery!.id]));
    const stamps = requests.map((q) => Number(q.headers["webhook-timestamp"]));
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]!);
    expect(requests.every((q) => q.verdicts.standard[endpoint.secret] && q.verdicts.ringbackHex)).toBe(true);
    const [done] = await deliveriesOf(event.id);
    expect(done).toMatchObject({ status: "succeeded", attemptCount: 4, nextAttemptAt: null });
    expect(done!.attempts.map((a) => a.status_code)).toEqual([500, 503, 429, 200]);
    expect(await endpointRow(endpoint.id)).toMatchObject({ failingSince: null, failureStreak: 0, pausedUntil: null, pauseCount: 0 });
  });
});

describe("status handling", () => {
  it("disables the endpoint on a 410 and sends it nothing more", async () => {
    const { r, endpoint, owner } = await setup();
    await r.configure({ responses: [{ status: 410, body: "gone" }] });
    const first = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const queue = recordingQueue();
    await runQueue("webhooks", [{ event_id: first.id }], { bindings: { WEBHOOKS: queue.queue } });
    expect(queue.sent).toEqual([]);
    expect((await deliveriesOf(first.id))[0]).toMatchObject({ status: "failed" });
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: false, disabledReason: "the endpoint answered 410 Gone" });

    const second = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    await runQueue("webhooks", [{ event_id: second.id }], { bindings: { WEBHOOKS: queue.queue } });
    expect(await deliveriesOf(second.id)).toEqual([]);
    expect(await r.requests()).toHaveLength(1);
  });

  it("does not follow a redirect: a 3xx is a failed attempt", async () => {
    const { r, owner } = await setup();
    const target = await receiver();
    await r.configure({ responses: [{ status: 302, headers: { Location: target.url } }, { status: 307, headers: { Location: target.url } }] });
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const queue = recordingQueue();
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: queue.queue } });
    const [delivery] = await deliveriesOf(event.id);
    expect(delivery).toMatchObject({ status: "pending", attemptCount: 1 });
    expect(delivery!.attempts[0]!.status_code).toBe(302);
    expect(queue.sent).toHaveLength(1);
    expect(await target.requests()).toEqual([]);
  });

  it("stops retrying when the receiver answers webhook-delivery: abort-message", async () => {
    const { r, owner } = await setup();
    await r.configure({ responses: [{ status: 500, headers: { "webhook-delivery": "abort-message" } }] });
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const queue = recordingQueue();
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: queue.queue } });
    expect(queue.sent).toEqual([]);
    expect((await deliveriesOf(event.id))[0]).toMatchObject({ status: "failed", attemptCount: 1 });
  });

  it("keeps the first 4 KB of a response body", async () => {
    const { r, owner } = await setup();
    await r.configure({ responses: [{ status: 500, body: "é".repeat(3000) }] });
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    const body = (await deliveriesOf(event.id))[0]!.attempts[0]!.response_body!;
    expect(new TextEncoder().encode(body).length).toBe(4096);
    expect(body.startsWith("é".repeat(2048))).toBe(true);
  });

  it("disables an endpoint that has failed without a break for 5 days", async () => {
    const { r, endpoint, owner } = await setup();
    await r.configure({ responses: [{ status: 500 }] });
    await db().update(webhookEndpoints).set({ failingSince: new Date(Date.now() - 5 * 86_400_000 - 60_000) }).where(eq(webhookEndpoints.id, endpoint.id));
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const queue = recordingQueue();
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: queue.queue } });
    expect(queue.sent).toEqual([]);
    expect((await deliveriesOf(event.id))[0]).toMatchObject({ status: "failed" });
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: false, disabledReason: "failed without a break for 5 days" });
  });

  it("ends a failing streak on the first success", async () => {
    const { r, endpoint, owner } = await setup();
    await db().update(webhookEndpoints).set({ failingSince: new Date(Date.now() - 3 * 86_400_000) }).where(eq(webhookEndpoints.id, endpoint.id));
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    expect(await r.requests()).toHaveLength(1);
    expect((await endpointRow(endpoint.id)).failingSince).toBeNull();
  });
});

describe("rotation", () => {
  it("signs with the new and the old secret for 24 h, each verifiable, then with the new alone", async () => {
    const { live, r, endpoint, owner } = await setup();
    const res = await call(`/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, { method: "POST", headers: bearer(live.key) });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { secret: string; previous_secret_expires_at: string };
    expect(rotated.secret).not.toBe(endpoint.secret);
    const hours = (Date.parse(rotated.previous_secret_expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    await r.configure({ secrets: [endpoint.secret, rotated.secret], hexSecret: rotated.secret });

    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    const [during] = await r.requests();
    expect(during!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(during!.verdicts).toEqual({ standard: { [endpoint.secret]: true, [rotated.secret]: true }, ringbackHex: true, calldock: null });

    await db().update(webhookEndpoints).set({ previousSecretExpiresAt: new Date(Date.now() - 1000) }).where(eq(webhookEndpoints.id, endpoint.id));
    const later = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    await runQueue("webhooks", [{ event_id: later.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    const after = (await r.requests())[1]!;
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(after.verdicts.standard).toEqual({ [endpoint.secret]: false, [rotated.secret]: true });
  });
});

describe("the agent's post-call webhook (seed 002)", () => {
  it("gets seed 002's payload as compact JSON, which the seed's own verifyWebhook accepts", async () => {
    const { workspace } = await tenant();
    const r = await receiver({ hexSecret: "your-webhook-secret" });
    const agent = await agentWithWebhook(workspace.id, r.url, "your-webhook-secret");
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const payload = postCall(agent.id, { metadata: { summary: "Zoë asked about 日本語 pricing — “quoted” 🎉", transcript: "Agent: Hi\nUser: Ça va?\u2028" } });
    const event = await insertEvent(owner, "post_call", payload);
    // Only post_call goes to the agent's URL.
    const other = await insertEvent(owner, "call.completed", { ...samplePayloads["call.completed"], agent_id: agent.id });
    await runQueue("webhooks", [{ event_id: event.id }, { event_id: other.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });

    const requests = await r.requests();
    expect(requests).toHaveLength(1);
    const [request] = requests;
    // Compact: what JSON.stringify gives back for the parsed body (jsonb keeps its own key order).
    expect(request!.body).toBe(JSON.stringify(JSON.parse(request!.body)));
    expect(JSON.parse(request!.body)).toEqual(payload);
    expect(request!.headers).toMatchObject({ "x-calldock-event": "post_call", "x-ringback-event": "post_call" });
    expect(request!.verdicts).toMatchObject({ calldock: true, ringbackHex: true });
    expect(request!.headers["webhook-id"]).toBe((await deliveriesOf(event.id))[0]!.id);
    expect(await deliveriesOf(other.id)).toEqual([]);
  });
});

describe("the agent's post-call webhook for seed 002's Python verifier", () => {
  it("is written as json.dumps writes it, and signed over those bytes", async () => {
    const { workspace } = await tenant();
    const r = await receiver({ hexSecret: "your-webhook-secret" });
    const agent = await agentWithWebhook(workspace.id, r.url, "your-webhook-secret", "live", "python");
    const payload = postCall(agent.id, { metadata: { summary: "Zoë asked about 日本語 pricing 🎉", rate: 0.00001 } });
    const event = await insertEvent({ workspaceId: workspace.id, mode: "live" }, "post_call", payload);
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });

    const [request, ...more] = await r.requests();
    expect(more).toEqual([]);
    // The bytes are the fixed point of json.dumps(json.loads(body)) (test/node/python-json.test.ts
    // runs the seed's Python verifier on such bodies); the hex signature is over exactly them.
    expect(request!.body).toBe(pythonJson(JSON.parse(request!.body)));
    expect(request!.body).toContain('"summary": "Zo\\u00eb asked about \\u65e5\\u672c\\u8a9e pricing \\ud83c\\udf89"');
    expect(request!.body).toContain('"rate": 1e-05');
    expect(JSON.parse(request!.body)).toEqual(payload);
    // The seed's Node verifier signs compact JSON, so it refuses this body; the raw-body check passes.
    expect(request!.verdicts).toMatchObject({ calldock: false, ringbackHex: true });
  });
});

describe("independent verification over many random bodies", () => {
  it("every delivery of 60 events with random Unicode data verifies in Node with standardwebhooks and the seed-style check", async () => {
    const { r, endpoint, owner } = await setup();
    const random = rng(1121);
    const made = [];
    for (let i = 0; i < 60; i++) made.push(await insertEvent(owner, "lead.updated", { ...samplePayloads["lead.updated"], name: randomString(random, 40), custom_fields: randomJson(random) }));
    const { result } = await runQueue("webhooks", made.map((e) => ({ event_id: e.id })), { bindings: { WEBHOOKS: recordingQueue().queue } });
    expect(result.explicitAcks).toHaveLength(60);
    const requests = await r.requests();
    expect(requests).toHaveLength(60);
    for (const request of requests) {
      expect(request.verdicts).toEqual({ standard: { [endpoint.secret]: true }, ringbackHex: true, calldock: null });
      expect(request.body).toBe(JSON.stringify(JSON.parse(request.body)));
    }
    expect(new Set(requests.map((q) => JSON.parse(q.body).id))).toEqual(new Set(made.map((e) => e.id)));
  });

  it("every post-call delivery with random Unicode passes seed 002's own verifyWebhook", async () => {
    const { workspace } = await tenant();
    const r = await receiver({ hexSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });
    const agent = await agentWithWebhook(workspace.id, r.url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const random = rng(42);
    const made = [];
    for (let i = 0; i < 30; i++) {
      made.push(await insertEvent({ workspaceId: workspace.id, mode: "live" }, "post_call", postCall(agent.id, { intent: randomString(random), metadata: { summary: randomString(random, 60), transcript: randomString(random, 80), extra: randomJson(random) } })));
    }
    await runQueue("webhooks", made.map((e) => ({ event_id: e.id })), { bindings: { WEBHOOKS: recordingQueue().queue } });
    const requests = await r.requests();
    expect(requests).toHaveLength(30);
    // A whsec_ agent secret also gets a Standard Webhooks signature.
    for (const request of requests) expect(request.verdicts).toEqual({ standard: { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw": true }, ringbackHex: true, calldock: true });
  });
});

describe("leases", () => {
  it("a consumer whose lease lapsed writes nothing over the one that took the delivery over", async () => {
    const { endpoint, owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const id = newId("webhookDelivery");
    await db().insert(webhookDeliveries).values({ id, ...owner, eventId: event.id, endpointId: endpoint.id, nextAttemptAt: new Date() });
    const attempt = (code: number) => ({ at: new Date().toISOString(), status_code: code, latency_ms: 5, response_body: null, error: null });

    expect(await claimWork(db(), [], [{ id }], "first")).toHaveLength(1);
    expect(await claimWork(db(), [], [{ id }], "second")).toEqual([]); // leased
    await db().update(webhookDeliveries).set({ leasedUntil: new Date(Date.now() - 1000) }).where(eq(webhookDeliveries.id, id));
    expect(await claimWork(db(), [], [{ id }], "second")).toHaveLength(1); // the first stalled; the second takes over

    expect(await leaseFor(db(), id, "first", 30)).toBe(false);
    const late = await recordAttempt(db(), { deliveryId: id, token: "first", attempt: attempt(200), counts: true, status: "succeeded", cronAfterSeconds: null, health: { kind: "up", fast: true } });
    expect(late.recorded).toBe(false);
    expect((await deliveriesOf(event.id))[0]).toMatchObject({ status: "pending", attemptCount: 0, leaseToken: "second" });

    const owned = await recordAttempt(db(), { deliveryId: id, token: "second", attempt: attempt(200), counts: true, status: "succeeded", cronAfterSeconds: null, health: { kind: "up", fast: true } });
    expect(owned.recorded).toBe(true);
    expect((await deliveriesOf(event.id))[0]).toMatchObject({ status: "succeeded", attemptCount: 1, leaseToken: null });
  });

  it("parks a delivery only while its endpoint is paused, and marks the endpoint as having a backlog", async () => {
    const { endpoint, owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const id = newId("webhookDelivery");
    await db().insert(webhookDeliveries).values({ id, ...owner, eventId: event.id, endpointId: endpoint.id, nextAttemptAt: new Date() });
    await claimWork(db(), [], [{ id }], "mine");
    expect(await park(db(), id, "mine")).toBe(false); // not paused: the caller attempts it
    expect((await deliveriesOf(event.id))[0]!.nextAttemptAt).not.toBeNull();
    await db().update(webhookEndpoints).set({ pausedUntil: new Date(Date.now() + 60_000) }).where(eq(webhookEndpoints.id, endpoint.id));
    expect(await park(db(), id, "mine")).toBe(true);
    expect((await deliveriesOf(event.id))[0]).toMatchObject({ status: "pending", nextAttemptAt: null, leaseToken: null });
    expect(await endpointRow(endpoint.id)).toMatchObject({ hasParked: true });
  });

  it("claims a named delivery only at the attempt its message was sent for", async () => {
    const { endpoint, owner } = await setup();
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const id = newId("webhookDelivery");
    await db().insert(webhookDeliveries).values({ id, ...owner, eventId: event.id, endpointId: endpoint.id, attemptCount: 2, nextAttemptAt: new Date() });
    expect(await claimWork(db(), [], [{ id, attempt: 1 }], "stale")).toEqual([]);
    expect(await claimWork(db(), [], [{ id, attempt: 2 }], "due")).toHaveLength(1);
  });
});
