import { describe, expect, it } from "vitest";
import { call, json, makeDomain, makeKey, revoke, tenant } from "./fixtures.ts";
import { callLog } from "./route-families.ts";
import { countWritten, rowsOf } from "./rows.ts";

// Publishable keys from web pages (lib/auth.ts, lib/browser.ts): CORS answered per key, only
// from a key's allowed origins and only on the routes a publishable key may call; secret keys
// refused from web pages, but for seed 001's call logs; and /v1/embed.js.

const shop = "https://shop.example";
const evil = "https://evil.example";
const formPath = "/api/v1/form_responses";
const brightcallPath = "/rest/v1/ext/add_call_api/";

async function setup(domainSettings = {}) {
  const t = await tenant("Browser shop", { plan: "enterprise", callbacksPerPhonePerHour: 100 });
  const domain = await makeDomain(t.workspace.id, "live", domainSettings);
  const pk = await makeKey(t.workspace.id, { kind: "publishable", allowedOrigins: [shop] });
  return { ...t, domain, pk };
}

const form = (domainId: string, phone = "+14155550100") => ({ form_response: { domain_id: domainId, form_data: { phone } } });
const preflight = (path: string, origin: string, method = "POST") =>
  call(path, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "content-type" } });
// As embed.js sends it: the key in the URL, JSON, from the page's origin.
const fromPage = (path: string, key: string, body: unknown, origin: string) =>
  call(`${path}?api_key=${key}`, { method: "POST", headers: { "Content-Type": "application/json", Origin: origin }, body: JSON.stringify(body) });

describe("preflight, per key", () => {
  it.each([formPath, "/v1/callbacks", brightcallPath])("allows the key's own origin only, at %s", async (path) => {
    const { pk, workspace } = await setup();
    const allowed = await preflight(`${path}?api_key=${pk.key}`, shop);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(shop);
    expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await preflight(`${path}?api_key=${pk.key}`, evil);
    expect(other.status).toBe(204);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toContain("Origin");
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("allows no origin for an unknown, revoked, secret or absent key", async () => {
    const { live, workspace } = await setup();
    const revoked = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: [shop] });
    await revoke(revoked.id);
    const unknown = `rb_pk_live_${"x".repeat(32)}`;
    for (const query of [`?api_key=${unknown}`, `?api_key=${revoked.key}`, `?api_key=${live.key}`, "", "?api_key="]) {
      const res = await preflight(`${formPath}${query}`, shop);
      expect({ query: query.slice(0, 12), status: res.status, acao: res.headers.get("access-control-allow-origin"), vary: res.headers.get("vary") }).toEqual({
        query: query.slice(0, 12),
        status: 204,
        acao: null,
        vary: "Origin",
      });
    }
  });

  it("allows no origin for a publishable key that lists none", async () => {
    const { workspace } = await setup();
    const bare = await makeKey(workspace.id, { kind: "publishable" });
    expect((await preflight(`${formPath}?api_key=${bare.key}`, shop)).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers no preflight on a route publishable keys cannot call", async () => {
    const { pk } = await setup();
    const res = await preflight(`/v1/leads?api_key=${pk.key}`, shop, "GET");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("publishable keys on the request itself", () => {
  it("creates a form response from an allowed origin, with ACAO and Vary", async () => {
    const { pk, domain, workspace } = await setup();
    const res = await fromPage(formPath, pk.key, form(domain.id), shop);
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe(shop);
    expect(res.headers.get("vary")).toContain("Origin");
    expect((await rowsOf(workspace.id)).formResponses).toHaveLength(1);
  });

  it("writes nothing from a disallowed origin, and sends no ACAO", async () => {
    const { pk, domain, workspace } = await setup();
    for (const origin of [evil, "null"]) {
      const res = await fromPage(formPath, pk.key, form(domain.id), origin);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "This publishable key is not allowed from this origin" });
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(res.headers.get("vary")).toContain("Origin");
    }
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("refuses a publishable key that lists no origins, from anywhere: 403, nothing written", async () => {
    const { workspace, domain } = await setup();
    const bare = await makeKey(workspace.id, { kind: "publishable" });
    for (const headers of [{ Origin: shop }, {}] as Record<string, string>[]) {
      const res = await call(formPath, json(bare.key, form(domain.id), headers));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "This publishable key has no allowed origins, so it works from none" });
    }
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("schedules a callback through POST /v1/callbacks, intake:write sufficing", async () => {
    const { pk, workspace } = await setup();
    const res = await fromPage("/v1/callbacks", pk.key, { phone: "+14155550100", name: "Ada" }, shop);
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe(shop);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });

  it.each([
    ["agent_id", { agent_id: "agt_x" }, {}],
    ["agent_phone", { agent_phone: "+442079460000" }, {}],
    ["X-Agent-ID", {}, { "X-Agent-ID": "agt_x" }],
  ])("refuses a publishable key that chooses who is rung (%s): 403, nothing written", async (_what, extra, headers) => {
    const { pk, workspace } = await setup();
    const res = await call(`/v1/callbacks?api_key=${pk.key}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: shop, ...headers },
      body: JSON.stringify({ phone: "+14155550100", ...extra }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/who is rung: a secret key is required/);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it.each([
    ["GET", "/v1/leads"],
    ["GET", "/v1/callbacks"],
    ["POST", "/v1/dnc"],
  ])("refuses a publishable key on %s %s: 403, no ACAO", async (method, path) => {
    const { pk, workspace } = await setup();
    const res = await call(path, { method, headers: { Authorization: `Bearer ${pk.key}`, Origin: shop, "Content-Type": "application/json" }, body: method === "POST" ? JSON.stringify({ phone: "+14155550100" }) : undefined });
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("secret keys from web pages", () => {
  const message = "A secret key cannot be used from a web page: use a publishable key (rb_pk_…) there, and keep secret keys on servers";

  it("refuses one on each kind, in its own shape: 403, nothing written", async () => {
    const { live, domain, workspace } = await setup();
    const agent = await (await import("./fixtures.ts")).makeAgent(workspace.id);
    const cases: [string, RequestInit, unknown][] = [
      ["/v1/callbacks", json(live.key, { phone: "+14155550100" }, { Origin: evil }), { status: 403, code: "forbidden", detail: message }],
      [formPath, json(live.key, form(domain.id), { Origin: evil }), { error: message }],
      [brightcallPath, json(live.key, { widget_key: domain.widgetKey, lc_number: "+14155550100" }, { Origin: evil }), { success: false, error: { code: "forbidden", message } }],
      ["/v1/make-call", json(live.key, { phone: "+14155550100" }, { Origin: evil, "X-Agent-ID": agent.id }), { success: false, error: { code: "FORBIDDEN", message } }],
    ];
    for (const [path, init, body] of cases) {
      const res = await call(path, init);
      expect({ path, status: res.status, body: await res.json() }).toEqual({ path, status: 403, body: expect.objectContaining(body as object) });
    }
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("refuses one in the URL, even from a server", async () => {
    const { live, domain, workspace } = await setup();
    const res = await call(`${formPath}?api_key=${live.key}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(form(domain.id)) });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "A secret key must never be put in a URL: send it in Authorization, from a server" });
    // Beside a key in Authorization too: the URL has leaked it all the same.
    const beside = await call(`${formPath}?api_key=${live.key}`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${live.key}` }, body: JSON.stringify(form(domain.id)) });
    expect([beside.status, await beside.json()]).toEqual([403, { error: "A secret key must never be put in a URL: send it in Authorization, from a server" }]);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("takes one from the Worker's own origin (the /docs try-it), and without Origin", async () => {
    const { live } = await setup();
    expect((await call("/v1/me", { headers: { Authorization: `Bearer ${live.key}`, Origin: "https://ringback.test" } })).status).toBe(200);
    expect((await call("/v1/me", { headers: { Authorization: `Bearer ${live.key}` } })).status).toBe(200);
  });

  it("keeps seed 001's call logs open to web pages, any origin, as before", async () => {
    const { live, workspace } = await setup();
    const pre = await call("/v1/call_logs", { method: "OPTIONS", headers: { Origin: evil, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(evil);
    const res = await call("/v1/call_logs", { method: "POST", headers: { "X-API-Key": live.key, "Content-Type": "application/json", Origin: evil }, body: JSON.stringify(callLog) });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe(evil);
    expect((await rowsOf(workspace.id)).callLogs).toHaveLength(1);
  });
});

describe("GET /v1/embed.js", () => {
  it("serves the script, cached, as JavaScript, under 6 KB gzipped", async () => {
    const res = await call("/v1/embed.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
    const source = await res.text();
    const gzipped = await new Response(new Blob([source]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    expect(gzipped.byteLength).toBeGreaterThan(500);
    expect(gzipped.byteLength).toBeLessThan(6 * 1024);
    // Every language's words are in it (test/node/embed-browser.test.ts runs it in Chromium).
    for (const word of ["Thank you!", "¡Gracias!", "Merci !", "Danke!"]) expect(source).toContain(word);
  });
});
