import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { webhookEndpoints } from "../../db/schema/index.ts";
import { Problem } from "../../schemas/problem.ts";
import { Endpoint, EndpointList, EndpointWithSecret, RotatedSecret } from "../../schemas/webhooks.ts";
import { bearer, call, db, makeKey, tenant } from "./fixtures.ts";
import { createEndpoint, receiver } from "./webhooks-helpers.ts";

const json = (key: string, method: string, body?: unknown): RequestInit => ({
  method,
  headers: { ...bearer(key), "Content-Type": "application/json" },
  ...(body !== undefined && { body: JSON.stringify(body) }),
});

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = Problem.parse(await res.json());
  expect(body.code).toBe(code);
  return body;
}

describe("POST /v1/webhook_endpoints", () => {
  it("creates an endpoint and shows its whsec_ secret once", async () => {
    const { live } = await tenant();
    const r = await receiver();
    const res = await call("/v1/webhook_endpoints", json(live.key, "POST", { url: r.url, events: ["lead.updated", "post_call"], description: "CRM" }));
    expect(res.status).toBe(201);
    const created = EndpointWithSecret.parse(await res.json());
    expect(created).toMatchObject({ url: r.url, events: ["lead.updated", "post_call"], description: "CRM", enabled: true, mode: "live", disabled_reason: null });
    expect(created.id).toMatch(/^we_[0-9a-z]{26}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(created.secret.slice(6))).toHaveLength(32);

    const fetched = await (await call(`/v1/webhook_endpoints/${created.id}`, { headers: bearer(live.key) })).json();
    expect(Endpoint.strict().parse(fetched)).not.toHaveProperty("secret");
    expect(JSON.stringify(fetched)).not.toContain(created.secret);
  });

  it('subscribes to "*" by default', async () => {
    const { live } = await tenant();
    const created = await createEndpoint(live.key, { url: "https://hooks.example.com/ringback" });
    expect(created.events).toBe("*");
  });

  it.each([
    ["no url", {}, "url"],
    ["an unknown event type", { url: "https://hooks.example.com/", events: ["lead.deleted"] }, "events"],
    ["an empty event list", { url: "https://hooks.example.com/", events: [] }, "events"],
    ["an event listed twice", { url: "https://hooks.example.com/", events: ["lead.updated", "lead.updated"] }, "events"],
    ["enabled that is not a boolean", { url: "https://hooks.example.com/", enabled: "yes" }, "enabled"],
    ["an unknown field", { url: "https://hooks.example.com/", secret: "whsec_mine" }, "secret"],
  ])("422 for %s", async (_name, body, path) => {
    const { live } = await tenant();
    const problem = await expectProblem(await call("/v1/webhook_endpoints", json(live.key, "POST", body)), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it("reports every invalid field at once", async () => {
    const { live } = await tenant();
    const problem = await expectProblem(await call("/v1/webhook_endpoints", json(live.key, "POST", { url: 7, events: "some", description: 5 })), 422, "validation_failed");
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(["description", "events", "url"]);
  });

  it("403 without the webhooks:write scope", async () => {
    const { workspace } = await tenant();
    const reader = await makeKey(workspace.id, { scopes: ["webhooks:read"] });
    await expectProblem(await call("/v1/webhook_endpoints", json(reader.key, "POST", { url: "https://hooks.example.com/" })), 403, "forbidden");
  });

  it("401 without a key", async () => {
    await expectProblem(await call("/v1/webhook_endpoints", { method: "POST", body: "{}" }), 401, "unauthorized");
  });

  // Issue 10: a JSON body sent as text/plain was read as {} and refused with "url is required".
  it("415 for a JSON body sent as text/plain, creating nothing", async () => {
    const { workspace, live } = await tenant();
    const res = await call("/v1/webhook_endpoints", { method: "POST", headers: { ...bearer(live.key), "Content-Type": "text/plain" }, body: JSON.stringify({ url: "https://hooks.example.com/" }) });
    await expectProblem(res, 415, "unsupported_media_type");
    expect(await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.workspaceId, workspace.id))).toEqual([]);
  });

  // Issue 10: the same Idempotency-Key sent twice created two endpoints.
  it("replays the first response for the same Idempotency-Key, creating one endpoint", async () => {
    const { workspace, live } = await tenant();
    const request = () =>
      call("/v1/webhook_endpoints", {
        method: "POST",
        headers: { ...bearer(live.key), "Content-Type": "application/json", "Idempotency-Key": "endpoint-1" },
        body: JSON.stringify({ url: "https://hooks.example.com/" }),
      });
    const first = await request();
    const second = await request();
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const created = EndpointWithSecret.parse(await first.json());
    expect(EndpointWithSecret.parse(await second.json())).toEqual(created);
    const rows = await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.workspaceId, workspace.id));
    expect(rows.map((r) => r.id)).toEqual([created.id]);
  });
});

describe("GET /v1/webhook_endpoints", () => {
  it("lists newest first, a page at a time, only the key's workspace and mode", async () => {
    const { live, test } = await tenant();
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createEndpoint(live.key, { url: `https://hooks${i}.example.com/` }));
    await createEndpoint(test.key, { url: "https://test-mode.example.com/" });
    await createEndpoint((await tenant()).live.key, { url: "https://other.example.com/" });

    const first = EndpointList.parse(await (await call("/v1/webhook_endpoints?limit=2", { headers: bearer(live.key) })).json());
    expect(first.data.map((e) => e.id)).toEqual([made[2]!.id, made[1]!.id]);
    expect(first.has_more).toBe(true);
    const second = EndpointList.parse(await (await call(`/v1/webhook_endpoints?limit=2&cursor=${first.next_cursor}`, { headers: bearer(live.key) })).json());
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.data.map((e) => e.id)).toEqual([made[0]!.id]);
    expect(JSON.stringify([first, second])).not.toContain("whsec_");
  });

  // Issue 10: the webhook routes sent no rate-limit headers.
  it("counts against the workspace's rate limit and says so", async () => {
    const { live } = await tenant();
    const res = await call("/v1/webhook_endpoints", { headers: bearer(live.key) });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(100);
  });

  it.each(["limit=500", "cursor=bm90LWEtY3Vyc29y", "unknown=1"])("422 for %s", async (query) => {
    const { live } = await tenant();
    await expectProblem(await call(`/v1/webhook_endpoints?${query}`, { headers: bearer(live.key) }), 422, "validation_failed");
  });
});

describe("one endpoint: GET, PATCH, DELETE, rotate_secret", () => {
  it("updates the fields given and leaves the rest", async () => {
    const { live } = await tenant();
    const created = await createEndpoint(live.key, { url: "https://hooks.example.com/a", description: "keep" });
    const res = await call(`/v1/webhook_endpoints/${created.id}`, json(live.key, "PATCH", { url: "https://hooks.example.com/b", events: ["call.missed"] }));
    expect(res.status).toBe(200);
    expect(Endpoint.parse(await res.json())).toMatchObject({ url: "https://hooks.example.com/b", events: ["call.missed"], description: "keep", enabled: true });
  });

  it("re-enabling clears why it was disabled", async () => {
    const { live } = await tenant();
    const created = await createEndpoint(live.key, { url: "https://hooks.example.com/" });
    const off = Endpoint.parse(await (await call(`/v1/webhook_endpoints/${created.id}`, json(live.key, "PATCH", { enabled: false }))).json());
    expect(off.enabled).toBe(false);
    const on = Endpoint.parse(await (await call(`/v1/webhook_endpoints/${created.id}`, json(live.key, "PATCH", { enabled: true }))).json());
    expect(on).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
  });

  it("422 for an empty change and for a refused URL", async () => {
    const { live } = await tenant();
    const created = await createEndpoint(live.key, { url: "https://hooks.example.com/" });
    await expectProblem(await call(`/v1/webhook_endpoints/${created.id}`, json(live.key, "PATCH", {})), 422, "validation_failed");
    const problem = await expectProblem(await call(`/v1/webhook_endpoints/${created.id}`, json(live.key, "PATCH", { url: "https://169.254.169.254/" })), 422, "validation_failed");
    expect(problem.errors).toEqual([{ path: "url", message: expect.stringMatching(/metadata/) }]);
  });

  it("rotates the secret, returning the new one once", async () => {
    const { live } = await tenant();
    const created = await createEndpoint(live.key, { url: "https://hooks.example.com/" });
    const res = await call(`/v1/webhook_endpoints/${created.id}/rotate_secret`, { method: "POST", headers: bearer(live.key) });
    const rotated = RotatedSecret.parse(await res.json());
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const fetched = Endpoint.parse(await (await call(`/v1/webhook_endpoints/${created.id}`, { headers: bearer(live.key) })).json());
    expect(fetched.previous_secret_expires_at).toBe(rotated.previous_secret_expires_at);
  });

  it("rotating counts against the workspace's rate limit and says so", async () => {
    const { live } = await tenant();
    const created = await createEndpoint(live.key, { url: "https://hooks.example.com/" });
    const res = await call(`/v1/webhook_endpoints/${created.id}/rotate_secret`, { method: "POST", headers: bearer(live.key) });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
  });

  it("deletes it", async () => {
    const { live } = await tenant();
    const created = await createEndpoint(live.key, { url: "https://hooks.example.com/" });
    const res = await call(`/v1/webhook_endpoints/${created.id}`, { method: "DELETE", headers: bearer(live.key) });
    expect(res.status).toBe(204);
    await expectProblem(await call(`/v1/webhook_endpoints/${created.id}`, { headers: bearer(live.key) }), 404, "not_found");
  });

  const routes: [string, (id: string) => string, string, unknown?][] = [
    ["GET", (id) => `/v1/webhook_endpoints/${id}`, "GET"],
    ["PATCH", (id) => `/v1/webhook_endpoints/${id}`, "PATCH", { description: "x" }],
    ["DELETE", (id) => `/v1/webhook_endpoints/${id}`, "DELETE"],
    ["rotate_secret", (id) => `/v1/webhook_endpoints/${id}/rotate_secret`, "POST"],
  ];

  describe.each(routes)("%s", (_name, path, method, body) => {
    it("404 for another workspace's endpoint, and for a live endpoint seen with a test key", async () => {
      const mine = await tenant();
      const theirs = await tenant();
      const endpoint = await createEndpoint(theirs.live.key, { url: "https://hooks.example.com/" });
      await expectProblem(await call(path(endpoint.id), json(mine.live.key, method, body)), 404, "not_found");
      await expectProblem(await call(path(endpoint.id), json(theirs.test.key, method, body)), 404, "not_found");
      // and it is still there, unchanged
      const still = Endpoint.parse(await (await call(`/v1/webhook_endpoints/${endpoint.id}`, { headers: bearer(theirs.live.key) })).json());
      expect(still.description).toBeNull();
    });

    it("403 without the scope", async () => {
      const { workspace, live } = await tenant();
      const endpoint = await createEndpoint(live.key, { url: "https://hooks.example.com/" });
      const none = await makeKey(workspace.id, { scopes: ["leads:read"] });
      await expectProblem(await call(path(endpoint.id), json(none.key, method, body)), 403, "forbidden");
    });
  });
});
