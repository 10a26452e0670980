import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callbacks, sessions } from "../../db/schema/index.ts";
import { loginLimits } from "../../functions/console/login.tsx";
import { browser, loginForm, makeUser, sessionCookieOf, signIn } from "./console-helpers.ts";
import { call, db, json, makeDomain, tenant } from "./fixtures.ts";
import { createCallback } from "./native-helpers.ts";

// The console through the Worker, as a browser would drive it: sign-in, sessions, CSRF, roles,
// and pages that show what the API holds for the member's workspace and mode, and no other's.

async function workspaceWithLead() {
  const t = await tenant("Console shop");
  const domain = await makeDomain(t.workspace.id, "test");
  const sent = await call("/api/v1/form_responses", json(t.test.key, { form_response: { domain_id: domain.id, form_data: { name: "Ada Lovelace", phone: "+14155550123", email: "ada@example.com" } } }));
  expect(sent.status, await sent.clone().text()).toBe(201);
  return { ...t, domain };
}

describe("signing in", () => {
  it("sends a visitor without a session to the sign-in page, and back after", async () => {
    const res = await call("/leads?q=ada", { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fleads");
    const page = await call("/login?next=%2Fleads");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="next" value="/leads"');
  });

  it("sets an HttpOnly, Secure, SameSite session cookie and answers a wrong password and an unknown email alike", async () => {
    const { workspace } = await tenant();
    const user = await makeUser(workspace.id);
    const wrong = await call("/login", loginForm(user.email, "not it"));
    const unknown = await call("/login", loginForm(`nobody-${user.id}@example.com`, "not it"));
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    const message = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1];
    expect(message(await wrong.text())).toBe(message(await unknown.text()));

    const ok = await call("/login", loginForm(user.email.toUpperCase(), user.password));
    expect(ok.status).toBe(303);
    const cookie = ok.headers.getSetCookie().find((c) => c.startsWith("rb_session=")) ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // Only the token's hash is stored.
    const token = cookie.split(";")[0]?.split("=")[1] ?? "";
    const stored = await db().select().from(sessions).where(eq(sessions.userId, user.id));
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).not.toContain(token);
  });

  it("signing out revokes the session on the server", async () => {
    const { workspace } = await tenant();
    const b = await signIn(await makeUser(workspace.id));
    expect((await b.get("/")).status).toBe(200);
    expect((await b.post("/logout")).status).toBe(303);
    expect((await b.get("/")).status).toBe(303); // the old cookie no longer signs in
  });

  it(`limits attempts per account and address: the ${loginLimits.account + 1}th in 15 minutes is a 429, even with the right password, but not from another address`, async () => {
    const { workspace } = await tenant();
    const user = await makeUser(workspace.id);
    const from = (address: string) => ({ "CF-Connecting-IP": address });
    for (let i = 0; i < loginLimits.account; i++) expect((await call("/login", loginForm(user.email, "guess", from("203.0.113.7")))).status).toBe(401);
    const res = await call("/login", loginForm(user.email, user.password, from("203.0.113.7")));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    // The guesser has not locked the owner out.
    expect((await call("/login", loginForm(user.email, user.password, from("198.51.100.2")))).status).toBe(303);
  });

  it("refuses a sign-in form posted from another site", async () => {
    const { workspace } = await tenant();
    const user = await makeUser(workspace.id);
    const res = await call("/login", loginForm(user.email, user.password, { Origin: "https://evil.example" }));
    expect(res.status).toBe(403);
    expect(sessionCookieOf(res)).toBeNull();
  });
});

describe("pages", () => {
  it("shows a lead sent through the CallMeBack API on the Leads page, found by name, phone and email", async () => {
    const { workspace } = await workspaceWithLead();
    const b = await signIn(await makeUser(workspace.id, "viewer"));
    for (const q of ["Ada", "+1 415 555 0123", "ada@example.com"]) {
      const html = await (await b.get(`/leads?q=${encodeURIComponent(q)}`)).text();
      expect(html, q).toContain("Ada Lovelace");
    }
    const lead = /href="\/leads\/(lead_[0-9a-z]+)"/.exec(await (await b.get("/leads")).text())?.[1];
    const page = await (await b.get(`/leads/${lead}`)).text();
    expect(page).toContain("+14155550123");
    expect(page).toContain("Form response");
  });

  it("every page of the console answers 200 with the CSP, and the API beside it is untouched", async () => {
    const { workspace, test } = await workspaceWithLead();
    const b = await signIn(await makeUser(workspace.id));
    for (const path of ["/", "/leads", "/callbacks", "/webhooks", "/agents", "/domains", "/keys", "/dnc", "/dnc.csv"]) {
      const res = await b.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy"), path).toContain("default-src 'self'");
    }
    expect((await call("/v1/me", { headers: { Authorization: `Bearer ${test.key}` } })).status).toBe(200);
    const unknown = await call("/v1/nothing-here");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/problem+json");
    expect(unknown.headers.get("content-security-policy")).toBeNull();
  });

  it("a held callback shows why and until when, and cancelling it from its page cancels it", async () => {
    const { workspace, test } = await tenant();
    const { id } = await createCallback(test.key, { phone: "+14155550124", scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    const until = `${new Date(Date.now() + 7_200_000).toISOString().slice(0, 19)}Z`;
    await db()
      .update(callbacks)
      .set({ hold: { until, reason: "calling_hours", rule: "US-CA 08:00-21:00", citation: "47 CFR 64.1200(c)(1)", zone: "America/Los_Angeles", zone_source: "number" } })
      .where(eq(callbacks.id, id));
    const b = await signIn(await makeUser(workspace.id));
    const page = await (await b.get(`/callbacks/${id}`)).text();
    expect(page).toContain("outside the lawful calling hours");
    expect(page).toContain(`datetime="${until}"`);
    expect(page).toContain("47 CFR 64.1200(c)(1)");
    expect(page).toContain('data-live="3000"');

    expect((await b.post(`/callbacks/${id}/cancel`, {}, { csrf: null })).status).toBe(403);
    expect((await b.post(`/callbacks/${id}/cancel`, {}, { csrf: "forged" })).status).toBe(403);
    const canceled = await b.post(`/callbacks/${id}/cancel`);
    expect(canceled.status).toBe(303);
    const [row] = await db().select().from(callbacks).where(eq(callbacks.id, id));
    expect(row?.status).toBe("canceled");
    const after = await (await b.get(`/callbacks/${id}`)).text();
    expect(after).toContain('data-live="off"');
  });

  it("a CSRF token from another session, or a POST from another origin, is refused", async () => {
    const { workspace, test } = await tenant();
    const { id } = await createCallback(test.key, { phone: "+14155550125", scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    const mine = await signIn(await makeUser(workspace.id));
    const theirs = await signIn(await makeUser(workspace.id));
    expect((await mine.post(`/callbacks/${id}/cancel`, {}, { csrf: await theirs.csrf() })).status).toBe(403);
    expect((await mine.post(`/callbacks/${id}/cancel`, {}, { headers: { Origin: "https://evil.example" } })).status).toBe(403);
    const [row] = await db().select().from(callbacks).where(eq(callbacks.id, id));
    expect(row?.status).toBe("scheduled");
  });

  it("a viewer sees no forms and cannot change anything", async () => {
    const { workspace, test } = await tenant();
    const { id, lead_id } = await createCallback(test.key, { phone: "+14155550126", scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    const b = await signIn(await makeUser(workspace.id, "viewer"));
    const page = await (await b.get(`/callbacks/${id}`)).text();
    expect(page).not.toContain(`action="/callbacks/${id}/cancel"`);
    for (const [path, fields] of [[`/callbacks/${id}/cancel`, {}], [`/leads/${lead_id}/opt-out`, { opted_out: "true" }], ["/dnc", { phone: "+14155550126" }], ["/callbacks", { phone: "+14155550127" }]] as const) {
      expect((await b.post(path, fields)).status, path).toBe(403);
    }
    const [row] = await db().select().from(callbacks).where(eq(callbacks.id, id));
    expect(row?.status).toBe("scheduled");
    expect((await call(`/v1/dnc?phone=%2B14155550126`, { headers: { Authorization: `Bearer ${test.key}` } }).then((r) => r.json())) as { data: unknown[] }).toMatchObject({ data: [] });
  });

  it("never shows another workspace's data, even by id", async () => {
    const other = await workspaceWithLead();
    const otherLead = ((await call("/v1/leads", { headers: { Authorization: `Bearer ${other.test.key}` } }).then((r) => r.json())) as { data: { id: string }[] }).data[0]?.id;
    const { workspace } = await tenant();
    const b = await signIn(await makeUser(workspace.id, "owner"));
    expect(await (await b.get("/leads")).text()).not.toContain("Ada Lovelace");
    const page = await b.get(`/leads/${otherLead}`);
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain("Ada Lovelace");
  });

  it("switching to live mode shows live data only", async () => {
    const { workspace } = await workspaceWithLead(); // the lead is in test mode
    const b = await signIn(await makeUser(workspace.id));
    expect(await (await b.get("/leads")).text()).toContain("Ada Lovelace");
    expect((await b.post("/mode", { mode: "live" })).status).toBe(303);
    const live = await (await b.get("/leads")).text();
    expect(live).toContain("live mode");
    expect(live).not.toContain("Ada Lovelace");
  });
});

describe("the member principal", () => {
  it("cannot be claimed from outside: the API still wants a key", async () => {
    const { workspace } = await tenant();
    const b = await signIn(await makeUser(workspace.id));
    const res = await call("/v1/callbacks", { headers: { Cookie: b.cookie } });
    expect(res.status).toBe(401);
  });

  it("a browser with a stale cookie is sent to sign in", async () => {
    expect((await browser("rb_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").get("/")).status).toBe(303);
  });
});
