import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { webhookEndpoints } from "../../db/schema/index.ts";
import { newId } from "../../schemas/ids.ts";
import { EventEnvelope, EventList, ReplayResult, eventTypes } from "../../schemas/events.ts";
import { Problem } from "../../schemas/problem.ts";
import { DeliveryList } from "../../schemas/webhooks.ts";
import { bearer, call, db, makeKey, tenant } from "./fixtures.ts";
import { agentWithWebhook, createEndpoint, deliveriesOf, insertEvent, postCall, receiver, recordingQueue, runQueue, samplePayloads } from "./webhooks-helpers.ts";

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(Problem.parse(await res.json()).code).toBe(code);
}

const post = (key: string, body: unknown = {}): RequestInit => ({ method: "POST", headers: { ...bearer(key), "Content-Type": "application/json" }, body: JSON.stringify(body) });

describe("GET /v1/events", () => {
  it("lists the workspace's events of its mode, newest first, filtered by type and paged", async () => {
    const { workspace, live, test } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const a = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const b = await insertEvent(owner, "callback.scheduled", samplePayloads["callback.scheduled"]);
    const c = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    await insertEvent({ ...owner, mode: "test" }, "lead.updated", samplePayloads["lead.updated"]);
    await insertEvent({ workspaceId: (await tenant()).workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);

    const all = EventList.parse(await (await call("/v1/events", { headers: bearer(live.key) })).json());
    expect(all.data.map((e) => e.id)).toEqual([c.id, b.id, a.id]);
    expect(all.data[1]).toEqual({ id: b.id, event: "callback.scheduled", created_at: b.createdAt.toISOString(), data: samplePayloads["callback.scheduled"] });

    const leadsOnly = EventList.parse(await (await call("/v1/events?type=lead.updated&limit=1", { headers: bearer(live.key) })).json());
    expect(leadsOnly).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
    const next = EventList.parse(await (await call(`/v1/events?type=lead.updated&limit=1&cursor=${leadsOnly.next_cursor}`, { headers: bearer(live.key) })).json());
    expect(next.data.map((e) => e.id)).toEqual([a.id]);

    const testMode = EventList.parse(await (await call("/v1/events", { headers: bearer(test.key) })).json());
    expect(testMode.data).toHaveLength(1);
    await expectProblem(await call("/v1/events?type=lead.deleted", { headers: bearer(live.key) }), 422, "validation_failed");
  });

  it("GET /v1/events/:id returns the envelope; 404 for another workspace's or mode's event", async () => {
    const { workspace, live, test } = await tenant();
    const event = await insertEvent({ workspaceId: workspace.id, mode: "live" }, "post_call", postCall("agt_x"));
    const res = await call(`/v1/events/${event.id}`, { headers: bearer(live.key) });
    expect(EventEnvelope.parse(await res.json())).toMatchObject({ id: event.id, event: "post_call", data: { webhook_type: "post_call" } });
    await expectProblem(await call(`/v1/events/${event.id}`, { headers: bearer(test.key) }), 404, "not_found");
    await expectProblem(await call(`/v1/events/${event.id}`, { headers: bearer((await tenant()).live.key) }), 404, "not_found");
  });

  // Issue 10: the event routes sent no rate-limit headers.
  it("counts against the workspace's rate limit and says so", async () => {
    const { live } = await tenant();
    const res = await call("/v1/events", { headers: bearer(live.key) });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
  });

  it("403 without events:read", async () => {
    const { workspace } = await tenant();
    const key = await makeKey(workspace.id, { scopes: ["webhooks:read"] });
    await expectProblem(await call("/v1/events", { headers: bearer(key.key) }), 403, "forbidden");
  });
});

describe("POST /v1/events/:id/replay", () => {
  it("re-delivers to every subscribed endpoint and the agent, each with its original webhook-id", async () => {
    const { workspace, live } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const r = await receiver();
    const endpoint = await createEndpoint(live.key, { url: r.url, events: ["post_call"] });
    await r.configure({ secrets: [endpoint.secret] });
    const agentReceiver = await receiver({ hexSecret: "your-webhook-secret" });
    const agent = await agentWithWebhook(workspace.id, agentReceiver.url, "your-webhook-secret");
    const event = await insertEvent(owner, "post_call", postCall(agent.id));
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    const original = await deliveriesOf(event.id);
    expect(original.map((d) => d.status)).toEqual(["succeeded", "succeeded"]);
    // An endpoint made after the event also gets the replay.
    const late = await receiver();
    const lateEndpoint = await createEndpoint(live.key, { url: late.url });

    const res = await call(`/v1/events/${event.id}/replay`, post(live.key));
    expect(res.status).toBe(202);
    const replay = ReplayResult.parse(await res.json());
    expect(replay.deliveries).toHaveLength(3);
    expect(replay.deliveries.map((d) => d.id)).toEqual(expect.arrayContaining(original.map((d) => d.id)));

    // The replay's messages, as the queue hands them back. The route has also sent them to the
    // real queue, whose consumer may take a delivery first: each goes out once, from either.
    await runQueue("webhooks", replay.deliveries.map((d) => ({ event_id: event.id, delivery_id: d.id })), { bindings: { WEBHOOKS: recordingQueue().queue } });
    const settled = { timeout: 20_000, interval: 100 };
    await expect.poll(async () => (await r.requests()).length, settled).toBe(2);
    await expect.poll(async () => (await agentReceiver.requests()).length, settled).toBe(2);
    await expect.poll(async () => (await late.requests()).length, settled).toBe(1);
    await expect.poll(async () => (await deliveriesOf(event.id)).map((d) => d.status), settled).toEqual(["succeeded", "succeeded", "succeeded"]);
    const endpointRequests = await r.requests();
    expect(endpointRequests).toHaveLength(2);
    expect(endpointRequests[1]!.headers["webhook-id"]).toBe(endpointRequests[0]!.headers["webhook-id"]);
    expect(endpointRequests[1]!.verdicts.standard[endpoint.secret]).toBe(true);
    const agentRequests = await agentReceiver.requests();
    expect(agentRequests.map((q) => q.headers["webhook-id"])).toEqual([agentRequests[0]!.headers["webhook-id"], agentRequests[0]!.headers["webhook-id"]]);
    expect(agentRequests[1]!.verdicts.calldock).toBe(true);
    expect(await late.requests()).toHaveLength(1);

    const after = await deliveriesOf(event.id);
    expect(after).toHaveLength(3);
    const again = after.find((d) => d.endpointId === endpoint.id)!;
    expect(again).toMatchObject({ status: "succeeded", attemptCount: 1 });
    expect(again.attempts).toHaveLength(2); // the log keeps both runs
    expect(after.find((d) => d.endpointId === lateEndpoint.id)).toMatchObject({ status: "succeeded" });
  });

  it("replays to one endpoint only when asked", async () => {
    const { workspace, live } = await tenant();
    const one = await receiver();
    const two = await receiver();
    const first = await createEndpoint(live.key, { url: one.url });
    await createEndpoint(live.key, { url: two.url });
    const event = await insertEvent({ workspaceId: workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);
    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    const [original] = (await deliveriesOf(event.id)).filter((d) => d.endpointId === first.id);

    const replay = ReplayResult.parse(await (await call(`/v1/events/${event.id}/replay`, post(live.key, { endpoint_id: first.id }))).json());
    expect(replay.deliveries).toEqual([{ id: original!.id, endpoint_id: first.id, agent_id: null }]);
    await runQueue("webhooks", [{ event_id: event.id, delivery_id: original!.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    // The real queue got the message too: whichever consumer takes it, it goes out once.
    await expect.poll(async () => (await one.requests()).length, { timeout: 20_000, interval: 100 }).toBe(2);
    expect((await one.requests()).map((q) => q.headers["webhook-id"])).toEqual([original!.id, original!.id]);
    expect(await two.requests()).toHaveLength(1);
  });

  it("replays to every receiver when the POST has no body and no Content-Type, and counts against the rate limit", async () => {
    const { workspace, live } = await tenant();
    const one = await receiver();
    const two = await receiver();
    const first = await createEndpoint(live.key, { url: one.url });
    const second = await createEndpoint(live.key, { url: two.url });
    const event = await insertEvent({ workspaceId: workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);
    const res = await call(`/v1/events/${event.id}/replay`, { method: "POST", headers: bearer(live.key) });
    expect(res.status).toBe(202);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    const replay = ReplayResult.parse(await res.json());
    expect(replay.deliveries.map((d) => d.endpoint_id).sort()).toEqual([first.id, second.id].sort());
  });

  // Issue 10: a text/plain body was read as {}, so a replay meant for one endpoint went to all of them.
  it("415 for a body that is not JSON, writing no delivery", async () => {
    const { workspace, live } = await tenant();
    const first = await createEndpoint(live.key, { url: "https://hooks.example.com/a" });
    await createEndpoint(live.key, { url: "https://hooks.example.com/b" });
    const event = await insertEvent({ workspaceId: workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);
    const res = await call(`/v1/events/${event.id}/replay`, {
      method: "POST",
      headers: { ...bearer(live.key), "Content-Type": "text/plain" },
      body: JSON.stringify({ endpoint_id: first.id }),
    });
    await expectProblem(res, 415, "unsupported_media_type");
    expect(await deliveriesOf(event.id)).toEqual([]);
  });

  it("404 for another workspace's event or endpoint, 409 for a disabled endpoint, 403 without webhooks:write", async () => {
    const { workspace, live } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const event = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const theirs = await tenant();
    const theirEvent = await insertEvent({ workspaceId: theirs.workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);
    const theirEndpoint = await createEndpoint(theirs.live.key, { url: "https://hooks.example.com/" });
    await expectProblem(await call(`/v1/events/${theirEvent.id}/replay`, post(live.key)), 404, "not_found");
    await expectProblem(await call(`/v1/events/${event.id}/replay`, post(live.key, { endpoint_id: theirEndpoint.id })), 404, "not_found");
    await expectProblem(await call(`/v1/events/${newId("event")}/replay`, post(live.key)), 404, "not_found");

    const mine = await createEndpoint(live.key, { url: "https://hooks.example.com/" });
    await db().update(webhookEndpoints).set({ enabled: false }).where(eq(webhookEndpoints.id, mine.id));
    await expectProblem(await call(`/v1/events/${event.id}/replay`, post(live.key, { endpoint_id: mine.id })), 409, "conflict");
    const reader = await makeKey(workspace.id, { scopes: ["events:read"] });
    await expectProblem(await call(`/v1/events/${event.id}/replay`, post(reader.key)), 403, "forbidden");
  });
});

describe("GET /v1/webhook_deliveries", () => {
  it("lists deliveries with every attempt, filtered by endpoint, event and status", async () => {
    const { workspace, live, test } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const ok = await receiver();
    const failing = await receiver({ responses: [{ status: 503, body: "down for maintenance" }] });
    const okEndpoint = await createEndpoint(live.key, { url: ok.url });
    const failingEndpoint = await createEndpoint(live.key, { url: failing.url });
    const e1 = await insertEvent(owner, "lead.updated", samplePayloads["lead.updated"]);
    const e2 = await insertEvent(owner, "callback.scheduled", samplePayloads["callback.scheduled"]);
    await runQueue("webhooks", [{ event_id: e1.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    await runQueue("webhooks", [{ event_id: e2.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });

    const list = async (query: string, key = live.key) => DeliveryList.parse(await (await call(`/v1/webhook_deliveries${query}`, { headers: bearer(key) })).json());
    expect((await list("")).data).toHaveLength(4);
    const pending = await list(`?status=pending&endpoint_id=${failingEndpoint.id}&event_id=${e1.id}`);
    expect(pending.data).toHaveLength(1);
    expect(pending.data[0]).toMatchObject({ event_id: e1.id, event: "lead.updated", endpoint_id: failingEndpoint.id, agent_id: null, status: "pending" });
    expect(pending.data[0]!.attempts).toEqual([
      { at: expect.any(String), status_code: 503, latency_ms: expect.any(Number), response_body: "down for maintenance", error: null },
    ]);
    expect(pending.data[0]!.next_attempt_at).not.toBeNull();
    const succeeded = await list(`?status=succeeded&endpoint_id=${okEndpoint.id}`);
    expect(succeeded.data.map((d) => d.event_id).sort()).toEqual([e1.id, e2.id].sort());
    expect((await list("?limit=3")).has_more).toBe(true);
    expect((await list("", test.key)).data).toEqual([]);
    expect((await list("", (await tenant()).live.key)).data).toEqual([]);
    await expectProblem(await call("/v1/webhook_deliveries?status=lost", { headers: bearer(live.key) }), 422, "validation_failed");
  });
});

describe("the OpenAPI document", () => {
  it("lists the webhook routes and every event type's versioned payload schema", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/webhook_endpoints", "/v1/webhook_endpoints/{id}", "/v1/webhook_endpoints/{id}/rotate_secret", "/v1/webhook_deliveries", "/v1/events", "/v1/events/{id}", "/v1/events/{id}/replay"]),
    );
    expect(Object.keys(doc.webhooks).sort()).toEqual([...eventTypes].sort());
    const postCallDoc = JSON.stringify(doc.webhooks.post_call);
    expect(postCallDoc).toContain('"#/components/schemas/PostCallV1"');
    expect(JSON.stringify(doc.components.schemas.PostCallV1)).toContain("webhook_version");
    expect(JSON.stringify(doc.webhooks["form_response.created"])).toContain("FormResponseCreatedV1");
  });
});
