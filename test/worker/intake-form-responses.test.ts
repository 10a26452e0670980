import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index.ts";
import type { Bindings } from "../../functions/env.ts";
import { FormResponseCreated } from "../../schemas/callmeback.ts";
import { call, incoming, json, makeDomain, makeKey, tenant } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";

const path = "/api/v1/form_responses";

// Seed 000's request body, as written; only the domain id is ours.
const seedBody = (domainId: string) => ({
  form_response: {
    domain_id: domainId,
    form_data: { name: "John Doe", email: "john@example.com", phone: "+1234567890", message: "I'm interested in your services" },
    form_type: "contact",
    source_url: "https://yourwebsite.com/contact",
    user_agent: "Mozilla/5.0...",
    ip_address: "192.168.1.1",
  },
});

async function setup(settings = {}, domainSettings = {}) {
  const t = await tenant("Form shop", settings);
  const domain = await makeDomain(t.workspace.id, "live", domainSettings);
  return { ...t, domain };
}

describe("POST /api/v1/form_responses: seed 000 as written", () => {
  it("answers 201 with the seed's body shape", async () => {
    const { live, domain, workspace } = await setup();
    const res = await call(path, json(live.key, seedBody(domain.id)));
    expect(res.status).toBe(201);
    const body = FormResponseCreated.parse(await res.json());
    expect(Object.keys(body).sort()).toEqual(["callback_scheduled", "created_at", "id", "lead_id", "status"]);
    expect(body).toMatchObject({ status: "created", callback_scheduled: true });
    expect(body.id).toMatch(/^fr_/);
    expect(body.lead_id).toMatch(/^lead_/);
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");

    const rows = await rowsOf(workspace.id);
    expect(rows.leads).toHaveLength(1);
    expect(rows.leads[0]).toMatchObject({ id: body.lead_id, phone: "+1234567890", phoneRaw: "+1234567890", name: "John Doe", email: "john@example.com" });
    expect(rows.formResponses).toHaveLength(1);
    expect(rows.callbacks).toHaveLength(1);
    expect(rows.callbacks[0]).toMatchObject({ status: "scheduled", source: "form_response", sourceId: body.id, leadId: body.lead_id });
  });

  it("accepts the PHP example's empty user agent and address", async () => {
    const { live, domain } = await setup();
    const body = seedBody(domain.id);
    Object.assign(body.form_response, { user_agent: "", ip_address: "" });
    expect((await call(path, json(live.key, body))).status).toBe(201);
  });

  it("answers the seed's 422 example with every bad field", async () => {
    const { live, domain, workspace } = await setup();
    const body = { form_response: { domain_id: domain.id, form_data: { name: "John", email: "not-an-email" } } };
    const res = await call(path, json(live.key, body));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: "Validation failed",
      details: { "form_data.email": ["is invalid"], "form_data.phone": ["is required"] },
    });
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it.each([
    ["no key", {}],
    ["an unknown key", { Authorization: "Bearer rb_live_0123456789abcdefghijklmnopqrstuv" }],
  ])("answers %s with the seed's 401", async (_name, headers) => {
    const res = await call(path, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(seedBody("dom_x")) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid API key" });
  });

  it("answers 429 with the seed's body once the plan's limit is spent", async () => {
    const { live, domain } = await setup({ requestsPerHour: 3 });
    for (let i = 0; i < 3; i++) {
      const ok = await call(path, json(live.key, seedBody(domain.id)));
      expect(ok.status).toBe(201);
      expect(ok.headers.get("x-ratelimit-remaining")).toBe(String(2 - i));
    }
    const res = await call(path, json(live.key, seedBody(domain.id)));
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: string; retry_after: number };
    expect(body.error).toBe("Rate limit exceeded");
    expect(body.retry_after).toBeGreaterThan(0);
    expect(res.headers.get("retry-after")).toBe(String(body.retry_after));
    expect(res.headers.get("x-ratelimit-limit")).toBe("3");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(res.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    expect(res.headers.get("ratelimit-policy")).toContain('"workspace";q=3;w=3600');
  });
});

describe("leads and callbacks", () => {
  it("keeps one lead per phone, updating it and linking each response", async () => {
    const { live, domain, workspace } = await setup();
    const first = FormResponseCreated.parse(await (await call(path, json(live.key, seedBody(domain.id)))).json());
    const later = seedBody(domain.id);
    later.form_response.form_data = { ...later.form_response.form_data, name: "John Q. Doe", phone: "+1 (234) 567-890" } as never;
    (later.form_response.form_data as Record<string, unknown>).company = "Acme";
    const second = FormResponseCreated.parse(await (await call(path, json(live.key, later))).json());
    expect(second.lead_id).toBe(first.lead_id);
    const rows = await rowsOf(workspace.id);
    expect(rows.leads).toHaveLength(1);
    expect(rows.leads[0]).toMatchObject({ name: "John Q. Doe", customFields: { company: "Acme" } });
    expect(rows.formResponses.map((r) => r.leadId)).toEqual([first.lead_id, first.lead_id]);
  });

  it("reads a national number in the domain's country", async () => {
    const { live, workspace } = await setup();
    const domain = await makeDomain(workspace.id, "live", { defaultCountry: "US" });
    const body = seedBody(domain.id);
    body.form_response.form_data.phone = "(415) 555-0100";
    expect((await call(path, json(live.key, body))).status).toBe(201);
    expect((await rowsOf(workspace.id)).leads[0]?.phone).toBe("+14155550100");
  });

  it("does not schedule a second callback for an identical submission within 10 minutes", async () => {
    const { live, domain, workspace } = await setup();
    const a = FormResponseCreated.parse(await (await call(path, json(live.key, seedBody(domain.id)))).json());
    const b = FormResponseCreated.parse(await (await call(path, json(live.key, seedBody(domain.id)))).json());
    expect([a.callback_scheduled, b.callback_scheduled]).toEqual([true, false]);
    const rows = await rowsOf(workspace.id);
    expect(rows.formResponses).toHaveLength(2);
    expect(rows.callbacks).toHaveLength(1);
  });

  it("schedules nothing when the domain's auto-callback is off", async () => {
    const { live, workspace } = await setup();
    const domain = await makeDomain(workspace.id, "live", { autoCallback: false });
    const body = FormResponseCreated.parse(await (await call(path, json(live.key, seedBody(domain.id)))).json());
    expect(body.callback_scheduled).toBe(false);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(0);
  });

  it("stops scheduling callbacks to one phone after 3 an hour, but keeps the responses", async () => {
    const { live, domain, workspace } = await setup();
    const scheduled = [];
    for (let i = 0; i < 4; i++) {
      const body = seedBody(domain.id);
      body.form_response.form_data.message = `message ${i}`;
      const res = await call(path, json(live.key, body));
      expect(res.status).toBe(201);
      scheduled.push(FormResponseCreated.parse(await res.json()).callback_scheduled);
    }
    expect(scheduled).toEqual([true, true, true, false]);
    const rows = await rowsOf(workspace.id);
    expect(rows.formResponses).toHaveLength(4);
    expect(rows.callbacks).toHaveLength(3);
  });

  it("writes the outbox events with the data they describe", async () => {
    const { live, domain, workspace } = await setup();
    const created = FormResponseCreated.parse(await (await call(path, json(live.key, seedBody(domain.id)))).json());
    const { events, callbacks } = await rowsOf(workspace.id);
    expect(events.map((e) => e.type)).toEqual(["form_response.created", "lead.updated", "callback.scheduled"]);
    expect(events[0]!.data).toMatchObject({ id: created.id, lead_id: created.lead_id, form_data: { name: "John Doe", email: "john@example.com" }, created_at: created.created_at });
    expect(events[1]!.data).toMatchObject({ id: created.lead_id, phone: "+1234567890", name: "John Doe" });
    expect(events[2]!.data).toMatchObject({ id: callbacks[0]!.id, status: "scheduled", lead_id: created.lead_id, phone: "+1234567890" });
  });
});

describe("bad input: a 4xx in the seed's shape, and nothing written", () => {
  const cases: [string, (domainId: string) => RequestInit & { headers?: Record<string, string> }, number, unknown][] = [
    ["malformed JSON", () => ({ body: '{"form_response": ' }), 400, { error: "The request body is not valid JSON" }],
    ["a form-encoded body", () => ({ body: "a=b", headers: { "Content-Type": "application/x-www-form-urlencoded" } }), 415, { error: "Content-Type must be application/json" }],
    ["a body over 64 KB", (d) => ({ body: JSON.stringify({ ...seedBody(d), pad: "x".repeat(70_000) }) }), 413, { error: "The request body is larger than 64 KB" }],
    ["deep nesting", (d) => ({ body: JSON.stringify({ form_response: { ...seedBody(d).form_response, form_data: { phone: "+14155550100", x: JSON.parse("[".repeat(40) + "]".repeat(40)) } } }) }), 400, { error: "The request body is nested deeper than 20 levels" }],
    ["a __proto__ key", (d) => ({ body: JSON.stringify(seedBody(d)).replace('"form_type"', '"__proto__":{"admin":true},"form_type"') }), 400, { error: "form_response.__proto__ is not an allowed key" }],
    ["a control character", (d) => ({ body: JSON.stringify(seedBody(d)).replace("John Doe", "John\\u0000Doe") }), 400, { error: "form_response.form_data.name contains a control character" }],
    ["a number for the phone", (d) => ({ body: JSON.stringify({ form_response: { ...seedBody(d).form_response, form_data: { phone: 1234567890 } } }) }), 422, { error: "Validation failed", details: { "form_data.phone": ["is invalid"] } }],
    ["an unknown key", (d) => ({ body: JSON.stringify({ form_response: { ...seedBody(d).form_response, priority: "high" } }) }), 422, { error: "Validation failed", details: { priority: ["is invalid"] } }],
    ["a phone that is not one", (d) => ({ body: JSON.stringify({ form_response: { ...seedBody(d).form_response, form_data: { phone: "12" } } }) }), 422, { error: "Validation failed", details: { "form_data.phone": ["is invalid"] } }],
    ["an unknown domain", () => ({ body: JSON.stringify(seedBody("dom_does_not_exist")) }), 404, { error: "No domain dom_does_not_exist" }],
  ];

  it.each(cases)("%s", async (_name, make, status, expected) => {
    const { live, domain, workspace } = await setup();
    const init = make(domain.id);
    const res = await call(path, { method: "POST", ...init, headers: { "Content-Type": "application/json", Authorization: `Bearer ${live.key}`, ...init.headers } });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual(expected);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("refuses an oversized chunked body (no Content-Length)", async () => {
    const { live, domain, workspace } = await setup();
    const bytes = new TextEncoder().encode(JSON.stringify({ ...seedBody(domain.id), pad: "x".repeat(70_000) }));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
        controller.close();
      },
    });
    const res = await call(path, { method: "POST", body: stream, headers: { "Content-Type": "application/json", Authorization: `Bearer ${live.key}` } });
    expect(res.status).toBe(413);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("404s another workspace's domain, and a live domain for a test key", async () => {
    const mine = await setup();
    const theirs = await setup();
    expect((await call(path, json(mine.live.key, seedBody(theirs.domain.id)))).status).toBe(404);
    expect((await call(path, json(mine.test.key, seedBody(mine.domain.id)))).status).toBe(404);
    expect(await countWritten(mine.workspace.id)).toBe(0);
    expect(await countWritten(theirs.workspace.id)).toBe(0);
  });

  it("refuses a revoked key with the seed's 401", async () => {
    const { workspace, domain } = await setup();
    const key = await makeKey(workspace.id);
    const { revoke } = await import("./fixtures.ts");
    await revoke(key.id);
    const res = await call(path, json(key.key, seedBody(domain.id)));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Invalid API key" });
  });
});

describe("keys from browsers and the sandbox", () => {
  it("takes a publishable key from its allowed origin only", async () => {
    const { workspace, domain } = await setup();
    const pk = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const ok = await call(path, json(pk.key, seedBody(domain.id), { Origin: "https://shop.example" }));
    expect(ok.status).toBe(201);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    const other = await call(path, json(pk.key, seedBody(domain.id), { Origin: "https://evil.example" }));
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ error: "This publishable key is not allowed from this origin" });
  });

  it("answers a CORS preflight for the key's origin (browser-keys.test.ts has the refusals)", async () => {
    const { workspace } = await setup();
    const pk = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const res = await call(`${path}?api_key=${pk.key}`, { method: "OPTIONS", headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,authorization" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("serves the sandbox host to test keys only", async () => {
    const { workspace, live, test } = await setup();
    const testDomain = await makeDomain(workspace.id, "test");
    const { exports } = await import("cloudflare:workers");
    const sandbox = (key: string, d: string) => exports.default.fetch(`https://sandbox.ringback.test${path}`, json(key, seedBody(d)));
    expect((await sandbox(test.key, testDomain.id)).status).toBe(201);
    const refused = await sandbox(live.key, testDomain.id);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "The sandbox accepts test keys only (rb_test_…)" });
  });
});

describe("when Redis is down", () => {
  it("fails open: the request succeeds and says so in a header", async () => {
    const { live, domain } = await setup();
    const broken = { ...(env as unknown as Bindings), UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" } as Bindings;
    const ctx = createExecutionContext();
    const res = await worker.fetch(incoming(path, json(live.key, seedBody(domain.id))), broken, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(201);
    expect(res.headers.get("x-ratelimit-degraded")).toBe("1");
  });
});
