import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index.ts";
import type { Bindings } from "../../functions/env.ts";
import * as schema from "../../db/schema/index.ts";
import { verifyLinkToken } from "../../functions/lib/link-token.ts";
import { Link, LinkList } from "../../schemas/links.ts";
import type { Scope } from "../../schemas/scopes.ts";
import { scopes } from "../../schemas/scopes.ts";
import { call, db, incoming, makeDomain, makeKey, tenant, testEnv } from "./fixtures.ts";
import { get, post } from "./native-helpers.ts";
import { rowsOf } from "./rows.ts";

// Signed links: the management API (/v1/links) and the link itself (/l/{token}), which a person
// clicks or a plain HTML form posts to. Each test has its own workspace, so the rows it counts
// are the ones its own requests wrote.

async function setup(domainSettings: Parameters<typeof makeDomain>[2] = {}) {
  const t = await tenant("Links", { plan: "enterprise" });
  const domain = await makeDomain(t.workspace.id, "live", domainSettings);
  return { ...t, domain, key: t.live.key };
}

async function createLink(key: string, body: Record<string, unknown>) {
  const res = await post("/v1/links", key, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return Link.parse(await res.json());
}

const pathOf = (link: { url: string | null }) => new URL(link.url ?? "").pathname;
// A 303 is read, not followed: the thank-you origin is not on this machine.
const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  redirect: "manual",
  headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
  body: new URLSearchParams(fields).toString(),
});
const linksOf = (workspaceId: string) => db().select().from(schema.links).where(eq(schema.links.workspaceId, workspaceId));
const consentsOf = (workspaceId: string) => db().select().from(schema.consents).where(eq(schema.consents.workspaceId, workspaceId));
async function written(workspaceId: string) {
  const r = await rowsOf(workspaceId);
  return { leads: r.leads.length, formResponses: r.formResponses.length, callbacks: r.callbacks.length, events: r.events.length };
}
const nothing = { leads: 0, formResponses: 0, callbacks: 0, events: 0 };

async function expectPage(res: Response, status: number, text: string | RegExp) {
  const body = await res.text();
  expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status, type: "text/html; charset=UTF-8" });
  expect(body).toMatch(text);
  expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'/);
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("cache-control")).toBe("no-store");
  return body;
}

const consent = { consent: "yes", consent_text: "I agree to be called back about my enquiry.", consent_version: "2026-01" };

describe("the management API", () => {
  it("creates, gets, lists and revokes a link, its token the same each time", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id, params: { campaign: "spring" }, expires_in: "30d" });
    expect(link).toMatchObject({ domain_id: s.domain.id, mode: "live", params: { campaign: "spring" }, status: "active", thank_you_url: null, revoked_at: null });
    expect(link.id).toMatch(/^lnk_/);
    expect(link.url).toBe(`${testEnv().PUBLIC_URL ?? "https://ringback.test"}/l/${link.token}`);
    expect(Date.parse(link.expires_at) - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    const claims = await verifyLinkToken(testEnv().SECRETS_KEYS, link.token ?? "");
    expect(claims).toMatchObject({ l: link.id, d: s.domain.id, p: { campaign: "spring" }, e: Date.parse(link.expires_at) / 1000 });

    const got = await get(`/v1/links/${link.id}`, s.key);
    expect(Link.parse(await got.json())).toEqual(link);
    const list = LinkList.parse(await (await get("/v1/links", s.key)).json());
    expect(list.data).toEqual([link]);

    const revoked = Link.parse(await (await call(`/v1/links/${link.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${s.key}` } })).json());
    expect(revoked).toMatchObject({ id: link.id, status: "revoked", token: link.token, revoked_at: expect.any(String) });
    const again = Link.parse(await (await call(`/v1/links/${link.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${s.key}` } })).json());
    expect(again.revoked_at).toBe(revoked.revoked_at);
    expect(LinkList.parse(await (await get("/v1/links?status=active", s.key)).json()).data).toEqual([]);
    expect(LinkList.parse(await (await get("/v1/links?status=revoked", s.key)).json()).data.map((l) => l.id)).toEqual([link.id]);
  });

  it.each([
    ["POST /v1/links", "links:write", (key: string, _id: string, domain: string) => post("/v1/links", key, { domain_id: domain })],
    ["GET /v1/links", "links:read", (key: string) => get("/v1/links", key)],
    ["GET /v1/links/{id}", "links:read", (key: string, id: string) => get(`/v1/links/${id}`, key)],
    ["DELETE /v1/links/{id}", "links:write", (key: string, id: string) => call(`/v1/links/${id}`, { method: "DELETE", headers: { Authorization: `Bearer ${key}` } })],
  ] as const)("%s needs %s, and a secret key", async (_name, scope, send) => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    const narrow = await makeKey(s.workspace.id, { scopes: scopes.filter((x) => x !== scope) as Scope[] });
    const publishable = await makeKey(s.workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    expect((await send(narrow.key, link.id, s.domain.id)).status).toBe(403);
    expect((await send(publishable.key, link.id, s.domain.id)).status).toBe(403);
    expect(await linksOf(s.workspace.id)).toHaveLength(1);
  });

  it("does not show, revoke or link to another workspace's or mode's", async () => {
    const s = await setup();
    const other = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    for (const key of [other.key, s.test.key]) {
      expect((await get(`/v1/links/${link.id}`, key)).status).toBe(404);
      expect((await call(`/v1/links/${link.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${key}` } })).status).toBe(404);
      expect(LinkList.parse(await (await get("/v1/links", key)).json()).data).toEqual([]);
    }
    const res = await post("/v1/links", other.key, { domain_id: s.domain.id });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ errors: [{ path: "domain_id", message: "is not a domain of this workspace and mode" }] });
    expect((await linksOf(s.workspace.id))[0]?.revokedAt).toBeNull();
  });

  const future = (days: number) => `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 19)}Z`;
  it.each([
    ["no domain", { domain_id: undefined }, "domain_id"],
    ["a domain of nothing", { domain_id: "dom_01jd3k0000000000000000000" }, "domain_id"],
    ["consent fixed by the link", { params: { consent: "yes" } }, "params.consent"],
    ["a field name that is not one", { params: { "bad name": "x" } }, "params.bad name"],
    ["a fixed phone intake would refuse", { params: { phone: "12" } }, "params.phone"],
    ["an empty fixed value", { params: { name: "" } }, "params.name"],
    ["a lifetime in weeks", { expires_in: "3w" }, "expires_in"],
    ["a lifetime over a year", { expires_in: "400d" }, "expires_in"],
    ["both expiries", { expires_in: "1d", expires_at: future(2) }, "expires_in"],
    ["an expiry in the past", { expires_at: "2020-01-01T00:00:00Z" }, "expires_at"],
    ["an expiry over a year ahead", { expires_at: future(400) }, "expires_at"],
    ["a thank-you URL on no allowed origin", { thank_you_url: "https://elsewhere.example/thanks" }, "thank_you_url"],
    ["a thank-you URL that is not http", { thank_you_url: "javascript:alert(1)" }, "thank_you_url"],
    ["an unknown field", { ttl: 3 }, "ttl"],
  ])("refuses %s with a 422 on its field and writes nothing", async (_name, body, path) => {
    const s = await setup();
    await makeKey(s.workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const res = await post("/v1/links", s.key, { domain_id: s.domain.id, ...body });
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect({ status: res.status, paths: problem.errors.map((e) => e.path) }).toEqual({ status: 422, paths: [path] });
    expect(await linksOf(s.workspace.id)).toEqual([]);
  });

  it("takes a thank-you URL on an allowed origin of a publishable key of the workspace, in its mode", async () => {
    const s = await setup();
    await makeKey(s.workspace.id, { kind: "publishable", mode: "test", allowedOrigins: ["https://shop.example"] });
    expect((await post("/v1/links", s.key, { domain_id: s.domain.id, thank_you_url: "https://shop.example/thanks" })).status).toBe(422);
    await makeKey(s.workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const link = await createLink(s.key, { domain_id: s.domain.id, thank_you_url: "https://shop.example/thanks" });
    expect(link.thank_you_url).toBe("https://shop.example/thanks");
  });
});

describe("the link", () => {
  it("answers a click with a confirmation page and writes nothing", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id, params: { campaign: "spring" } });
    const page = await expectPage(await call(pathOf(link)), 200, /<form method="post" action="\/l\/[^"]+">/);
    expect(page).toContain("spring");
    expect(page).toContain('name="phone"');
    // Tracking tags alone are not a form's fields.
    await expectPage(await call(`${pathOf(link)}?utm_source=newsletter&utm_medium=email`), 200, /Call me back/);
    expect(await written(s.workspace.id)).toEqual(nothing);
  });

  it("schedules a callback from a posted form, with the consent record, as a form response of the link's domain", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id, params: { campaign: "spring" } });
    const res = await call(pathOf(link), form({ phone: "+14155550101", name: "Ada", email: "ada@example.com", message: "Evenings", company: "Acme", ...consent }, { "User-Agent": "Form/1.0" }));
    await expectPage(res, 200, /Thank you/);
    const rows = await rowsOf(s.workspace.id);
    expect(rows.callbacks).toHaveLength(1);
    expect(rows.leads[0]).toMatchObject({ phone: "+14155550101", name: "Ada", email: "ada@example.com", customFields: { company: "Acme", campaign: "spring" } });
    expect(rows.formResponses[0]).toMatchObject({
      domainId: s.domain.id,
      formType: "link",
      formData: { phone: "+14155550101", name: "Ada", email: "ada@example.com", message: "Evenings", company: "Acme", campaign: "spring" },
      userAgent: "Form/1.0",
    });
    expect(await consentsOf(s.workspace.id)).toMatchObject([{ source: "form_response", text: consent.consent_text, version: "2026-01", checked: true, userAgent: "Form/1.0" }]);
    expect(rows.events.map((e) => e.type).sort()).toEqual(["callback.scheduled", "form_response.created", "lead.updated"]);
  });

  it("takes a multipart form, and a method=get form's query", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    const body = new FormData();
    body.set("phone", "+14155550102");
    body.set("name", "Multi Part");
    await expectPage(await call(pathOf(link), { method: "POST", body }), 200, /Thank you/);
    await expectPage(await call(`${pathOf(link)}?${new URLSearchParams({ phone: "+14155550103", name: "By Get" })}`), 200, /Thank you/);
    const rows = await rowsOf(s.workspace.id);
    expect(rows.leads.map((l) => l.phone).sort()).toEqual(["+14155550102", "+14155550103"]);
    expect(rows.callbacks).toHaveLength(2);
  });

  it("lets the link's fixed fields win over the form's", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id, params: { phone: "+14155550104" } });
    const page = await expectPage(await call(pathOf(link)), 200, /\+14155550104/);
    expect(page).not.toContain('name="phone"');
    await expectPage(await call(pathOf(link), form({ phone: "+14155550999", name: "Bob" })), 200, /Thank you/);
    expect((await rowsOf(s.workspace.id)).leads.map((l) => l.phone)).toEqual(["+14155550104"]);
  });

  it.each([
    ["Sec-Purpose", "prefetch"],
    ["Sec-Purpose", "prefetch;prerender"],
    ["Purpose", "prefetch"],
    ["X-Moz", "prefetch"],
    ["X-Purpose", "preview"],
  ])("never rings for a request with %s: %s", async (header, value) => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id, params: { phone: "+14155550105" } });
    const isPrefetch = /prefetch/.test(value);
    const res = await call(`${pathOf(link)}?name=Pre`, { headers: { [header]: value } });
    // X-Purpose: preview is not a prefetch: a GET with a form's fields is a submission.
    await expectPage(res, 200, isPrefetch ? /Call me back/ : /Thank you/);
    if (isPrefetch) {
      await expectPage(await call(pathOf(link), form({ name: "Pre" }, { [header]: value })), 200, /Call me back/);
      expect(await written(s.workspace.id)).toEqual(nothing);
    }
  });

  it("never rings for a HEAD", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id, params: { phone: "+14155550106" } });
    const res = await call(`${pathOf(link)}?name=Head`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await written(s.workspace.id)).toEqual(nothing);
  });

  it("schedules no second callback for the same submission within 10 minutes", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    const fields = { phone: "+14155550107", name: "Twice" };
    await expectPage(await call(pathOf(link), form(fields)), 200, /Thank you/);
    await expectPage(await call(pathOf(link), form(fields)), 200, /Thank you/);
    const rows = await rowsOf(s.workspace.id);
    expect({ callbacks: rows.callbacks.length, leads: rows.leads.length }).toEqual({ callbacks: 1, leads: 1 });
  });

  it("answers 410 for an expired or revoked link and writes nothing", async () => {
    const s = await setup();
    const expired = await createLink(s.key, { domain_id: s.domain.id, params: { phone: "+14155550108" } });
    await db().update(schema.links).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(schema.links.id, expired.id));
    const revoked = await createLink(s.key, { domain_id: s.domain.id, params: { phone: "+14155550108" } });
    await call(`/v1/links/${revoked.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${s.key}` } });
    for (const link of [expired, revoked]) {
      await expectPage(await call(pathOf(link)), 410, /expired/);
      await expectPage(await call(pathOf(link), form({ name: "Late" })), 410, /no longer works/);
      await expectPage(await call(`${pathOf(link)}?name=Late`), 410, /no longer works/);
    }
    expect(await written(s.workspace.id)).toEqual(nothing);
    expect(LinkList.parse(await (await get("/v1/links?status=expired", s.key)).json()).data.map((l) => l.id)).toEqual([expired.id]);
  });

  it("answers 404 for a token that was changed, forged or cut", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id, params: { phone: "+14155550109" } });
    const other = await createLink(s.key, { domain_id: s.domain.id, params: { phone: "+14155550110" } });
    const [kid, body, mac] = (link.token ?? "").split(".");
    const [, otherBody] = (other.token ?? "").split(".");
    const flipped = `${body?.slice(0, -2)}${body?.at(-2) === "A" ? "B" : "A"}${body?.at(-1)}`;
    const tokens = [`${kid}.${flipped}.${mac}`, `${kid}.${otherBody}.${mac}`, `nokey.${body}.${mac}`, `${kid}.${body}`, "garbage", `${kid}.${body}.${mac}.x`, `${kid}.${body}.A`];
    for (const token of tokens) {
      await expectPage(await call(`/l/${token}`), 404, /does not work/);
      await expectPage(await call(`/l/${token}`, form({ name: "Forger" })), 404, /does not work/);
    }
    expect(await written(s.workspace.id)).toEqual(nothing);
  });

  it("sends the person on to the thank-you URL (303), and keeps the Referer only from an allowed origin", async () => {
    const s = await setup();
    await makeKey(s.workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const link = await createLink(s.key, { domain_id: s.domain.id, thank_you_url: "https://shop.example/thanks?from=link" });
    const res = await call(pathOf(link), form({ phone: "+14155550111" }, { Referer: "https://shop.example/contact?email=ada%40example.com#top" }));
    expect({ status: res.status, location: res.headers.get("location") }).toEqual({ status: 303, location: "https://shop.example/thanks?from=link" });
    expect(res.headers.get("content-security-policy")).toContain("form-action 'self' https://shop.example;");
    await call(pathOf(link), form({ phone: "+14155550112" }, { Referer: "https://evil.example/page" }));
    const responses = (await rowsOf(s.workspace.id)).formResponses;
    expect(responses.map((r) => r.sourceUrl).sort()).toEqual(["https://shop.example/contact", null]);
  });

  it("refuses a submission intake refuses with a page that says why and shows the form again, and writes nothing", async () => {
    const s = await setup({ requireConsent: true });
    const link = await createLink(s.key, { domain_id: s.domain.id });
    const noConsent = await expectPage(await call(pathOf(link), form({ phone: "+14155550113", name: "Ada" })), 422, /Consent is required/);
    expect(noConsent).toContain('value="Ada"');
    expect(noConsent).toMatch(/<input id="consent" name="consent" type="checkbox" value="yes" required>/);
    const { consent: _ticked, ...unticked } = consent;
    await expectPage(await call(pathOf(link), form({ phone: "+14155550113", ...unticked })), 422, /must be true/);
    await expectPage(await call(pathOf(link), form({ phone: "12", ...consent })), 422, /Phone is not a valid phone number/);
    await expectPage(await call(pathOf(link), form({ name: "No phone", ...consent })), 422, /Phone is required/);
    await expectPage(await call(pathOf(link), form({ phone: "+14155550113", email: "not-an-email", ...consent })), 422, /Email is not an email address/);
    expect(await written(s.workspace.id)).toEqual(nothing);
  });

  it("refuses a submission over the workspace's hourly limit with a 429 page (Retry-After) that keeps what was entered", async () => {
    const t = await tenant("Links at a limit", { requestsPerHour: 2 });
    const domain = await makeDomain(t.workspace.id);
    const link = await createLink(t.live.key, { domain_id: domain.id }); // the first request of the hour
    await expectPage(await call(pathOf(link), form({ phone: "+14155550119" })), 200, /Thank you/);
    const res = await call(pathOf(link), form({ phone: "+14155550120", name: "Late Larry" }));
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectPage(res, 429, /Too many requests[\s\S]*value="Late Larry"/);
    expect((await rowsOf(t.workspace.id)).leads.map((l) => l.phone)).toEqual(["+14155550119"]);
  });

  it.each([
    ["a NUL in a field", "phone=%2B14155550114&name=A%00B", 400],
    ["a __proto__ field", "phone=%2B14155550114&__proto__=x", 400],
    ["a field too long", `phone=%2B14155550114&message=${"x".repeat(2001)}`, 422],
    ["a field twice with two values", "phone=%2B14155550114&phone=%2B14155550115", 422],
    ["markup in a field", "phone=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 422],
    // Found by the fuzz suite: the page's words for a field were looked up on a plain object.
    ["a valueOf field too long", `phone=%2B14155550114&valueOf=${"x".repeat(2001)}`, 422],
    ["a toString field twice", "phone=%2B14155550114&toString=a&toString=b", 422],
  ])("refuses %s with a 4xx page and writes nothing", async (_name, body, status) => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    const res = await call(pathOf(link), { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
    const page = await expectPage(res, status, /./);
    expect(page).not.toContain("<script>");
    expect(await written(s.workspace.id)).toEqual(nothing);
  });

  it("refuses a JSON body (415) and a NUL in a GET form's query (400)", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    await expectPage(await call(pathOf(link), { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"phone":"+14155550116"}' }), 415, /could not be read/);
    await expectPage(await call(`${pathOf(link)}?phone=%2B14155550116&name=%00`), 400, /could not be read/);
    expect(await written(s.workspace.id)).toEqual(nothing);
  });

  it("answers a page with Retry-After, and writes nothing, while the database cannot be reached", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    const ctx = createExecutionContext();
    const down = { ...(env as unknown as Bindings), NEON_SQL_ENDPOINT: "http://127.0.0.1:9/sql" } as Bindings;
    const res = await worker.fetch(incoming(pathOf(link), form({ phone: "+14155550121" })), down, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.headers.get("retry-after")).toBe("10");
    const page = await expectPage(res, 503, /Please try again shortly/);
    expect(page).not.toMatch(/127\.0\.0\.1|sql|neon/i);
    expect(await written(s.workspace.id)).toEqual(nothing);
  });

  it("keeps a field named like a built-in as any other field", async () => {
    const s = await setup();
    const link = await createLink(s.key, { domain_id: s.domain.id });
    await expectPage(await call(pathOf(link), form({ phone: "+14155550117", valueOf: "1", toString: "2" })), 200, /Thank you/);
    const [response] = (await rowsOf(s.workspace.id)).formResponses;
    expect(response?.formData).toEqual({ phone: "+14155550117", valueOf: "1", toString: "2" });
  });

  it("writes a test link's lead in test mode", async () => {
    const s = await setup();
    const domain = await makeDomain(s.workspace.id, "test");
    const link = await createLink(s.test.key, { domain_id: domain.id });
    await expectPage(await call(pathOf(link), form({ phone: "+14155550118" })), 200, /Thank you/);
    const leads = await db().select().from(schema.leads).where(and(eq(schema.leads.workspaceId, s.workspace.id), eq(schema.leads.mode, "test")));
    expect(leads).toHaveLength(1);
  });
});
