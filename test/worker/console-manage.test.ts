import { describe, expect, it } from "vitest";
import { scopes } from "../../schemas/scopes.ts";
import { type Browser, makeUser, signIn } from "./console-helpers.ts";
import { bearer, call, tenant } from "./fixtures.ts";

// The console's Agents, Domains and Keys pages, driven as a browser would: each form posted,
// each redirect followed with the flash it sets, and the result read back from the public API
// with the workspace's own test key (sessions start in test mode), not from the page alone.

async function owner() {
  const t = await tenant("Console manage");
  const b = await signIn(await makeUser(t.workspace.id, "owner"));
  return { ...t, b, csrf: await b.csrf() };
}

/** POSTs a form whose fields may repeat (checkboxes sharing a name), as a browser sends it. */
function postForm(b: Browser, path: string, csrf: string, fields: [string, string][]) {
  return call(path, {
    method: "POST",
    headers: { Cookie: b.cookie, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams([["_csrf", csrf], ...fields]).toString(),
    redirect: "manual",
  });
}

/** Follows a 303 with the flash cookie it set, and returns the page's status and HTML. */
async function follow(b: Browser, res: Response) {
  expect(res.status, await res.clone().text()).toBe(303);
  const flashCookie = res.headers.getSetCookie().find((c) => c.startsWith("rb_flash="))?.split(";")[0];
  const page = await b.get(res.headers.get("location") ?? "", { Cookie: [b.cookie, flashCookie].filter(Boolean).join("; ") });
  return { status: page.status, html: await page.text(), location: res.headers.get("location") ?? "" };
}

const flashText = (html: string) => /class="flash (?:notice|error)"[^>]*>([^<]*)</.exec(html)?.[1] ?? "";
const htmlText = (text: string) => text.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

/** The fields a browser would send from the form posting to `action`: inputs, checked boxes, textareas, selects. */
function formOf(html: string, action: string): [string, string][] {
  const form = new RegExp(`<form method="post" action="${action}"[^>]*>([\\s\\S]*?)</form>`).exec(html)?.[1];
  if (!form) throw new Error(`no form posting to ${action}`);
  const fields: [string, string][] = [];
  for (const [tag] of form.matchAll(/<input [^>]*>/g)) {
    const attr = (n: string) => new RegExp(` ${n}="([^"]*)"`).exec(tag)?.[1];
    const name = attr("name");
    if (!name || name === "_csrf" || (attr("type") === "checkbox" && !/ checked/.test(tag))) continue;
    fields.push([name, htmlText(attr("value") ?? "")]);
  }
  for (const [, name, text] of form.matchAll(/<textarea name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields.push([name ?? "", htmlText(text ?? "")]);
  for (const [, name, options] of form.matchAll(/<select name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields.push([name ?? "", /<option value="([^"]*)" selected/.exec(options ?? "")?.[1] ?? /<option value="([^"]*)"/.exec(options ?? "")?.[1] ?? ""]);
  }
  return fields;
}

const set = (fields: [string, string][], name: string, value: string | null): [string, string][] =>
  value === null ? fields.filter(([n]) => n !== name) : [...fields.filter(([n]) => n !== name), [name, value]];

type Json = Record<string, unknown> & { data: Record<string, unknown>[] };

async function apiGet(key: string, path: string): Promise<Json> {
  const res = await call(path, { headers: bearer(key) });
  expect(res.status, path).toBe(200);
  return res.json();
}

describe("agents", () => {
  it("adds an agent, changes them with the page's own form, shows a webhook secret once, and deactivates them", async () => {
    const { b, csrf, test } = await owner();
    const added = await follow(b, await postForm(b, "/agents", csrf, [["name", "Grace Hopper"], ["phone", "+14155550142"], ["department", "Sales"], ["available", "on"]]));
    expect(added.location, flashText(added.html)).toMatch(/^\/agents\/agt_/);
    expect(flashText(added.html)).toContain("Grace Hopper added");
    const id = added.location.split("/")[2] ?? "";
    expect(await apiGet(test.key, `/v1/agents/${id}`)).toMatchObject({ name: "Grace Hopper", department: "Sales", available: true, active: true });

    // Unchecking "available" sends available: false; the schedule is JSON.
    let fields = set(formOf(added.html, `/agents/${id}`), "available", null);
    fields = set(set(fields, "department", "Support"), "schedule", '{"1": [["09:00", "12:00"]]}');
    const saved = await follow(b, await postForm(b, `/agents/${id}`, csrf, fields));
    expect(flashText(saved.html)).toBe("Saved.");
    expect(await apiGet(test.key, `/v1/agents/${id}`)).toMatchObject({ department: "Support", available: false, schedule: { "1": [["09:00", "12:00"]] }, webhook_url: null });

    // A webhook URL: Ringback makes the secret and shows it on this answer, never again.
    const withHook = await postForm(b, `/agents/${id}`, csrf, set(formOf(saved.html, `/agents/${id}`), "webhook_url", "https://hooks.example.com/post-call"));
    expect(withHook.status).toBe(200);
    const secret = /id="secret">([^<]+)</.exec(await withHook.text())?.[1] ?? "";
    expect(secret).toMatch(/^whsec_/);
    const page = await (await b.get(`/agents/${id}`)).text();
    expect(page).toContain("https://hooks.example.com/post-call");
    expect(page).not.toContain(secret);

    const refused = await follow(b, await postForm(b, `/agents/${id}`, csrf, set(formOf(page, `/agents/${id}`), "timezone", "Mars/Olympus")));
    expect(flashText(refused.html)).toContain("timezone");

    const gone = await follow(b, await postForm(b, `/agents/${id}/deactivate`, csrf, []));
    expect(flashText(gone.html)).toContain("deactivated");
    expect(await apiGet(test.key, `/v1/agents/${id}`)).toMatchObject({ active: false });
    expect(await (await b.get("/agents")).text()).toContain("inactive");
    await follow(b, await postForm(b, `/agents/${id}`, csrf, [["only", "active"]]));
    expect(await apiGet(test.key, `/v1/agents/${id}`)).toMatchObject({ active: true, department: "Support", available: false });
  });
});

describe("domains", () => {
  it("adds a domain; its settings form saved unchanged changes nothing; a change and an unchecked box are saved", async () => {
    const { b, csrf, test } = await owner();
    const added = await follow(b, await postForm(b, "/domains", csrf, [["name", "shop.example"], ["timezone", "America/New_York"]]));
    expect(added.location).toMatch(/^\/domains\/dom_/);
    const id = added.location.split("/")[2] ?? "";
    const before = await apiGet(test.key, `/v1/domains/${id}`);
    expect(before).toMatchObject({ name: "shop.example", timezone: "America/New_York", auto_callback: true });

    const form = formOf(added.html, `/domains/${id}`);
    await follow(b, await postForm(b, `/domains/${id}`, csrf, form));
    const same = await apiGet(test.key, `/v1/domains/${id}`);
    expect({ ...same, updated_at: null }).toEqual({ ...before, updated_at: null });

    let changed = set(set(form, "daily_attempt_cap", "5"), "auto_callback", null);
    changed = set(set(set(changed, "record_calls", "on"), "holidays", "2030-12-25, 2030-01-01"), "retry_intervals_seconds", "60, 300");
    changed = set(set(changed, "machine_answer", "voicemail"), "voicemail_message", "Sorry we missed you.");
    const saved = await follow(b, await postForm(b, `/domains/${id}`, csrf, changed));
    expect(flashText(saved.html)).toBe("Settings saved.");
    expect(await apiGet(test.key, `/v1/domains/${id}`)).toMatchObject({
      daily_attempt_cap: 5, auto_callback: false, record_calls: true, holidays: ["2030-12-25", "2030-01-01"],
      retry_intervals_seconds: [60, 300], machine_answer: "voicemail", voicemail_message: "Sorry we missed you.", business_hours: before.business_hours,
    });
    expect(saved.html).toContain('value="2030-12-25, 2030-01-01"');
  });

  it("shows the API's refusal, naming the field, and saves nothing", async () => {
    const { b, csrf, test } = await owner();
    const added = await follow(b, await postForm(b, "/domains", csrf, [["name", "calls.example"]]));
    const id = added.location.split("/")[2] ?? "";
    const form = formOf(added.html, `/domains/${id}`);
    const refused = await follow(b, await postForm(b, `/domains/${id}`, csrf, set(set(form, "calling_hours_end", "07:00"), "daily_attempt_cap", "5")));
    expect(flashText(refused.html)).toContain("calling_hours_end");
    const bad = await follow(b, await postForm(b, `/domains/${id}`, csrf, set(form, "business_hours", "{ not json")));
    expect(flashText(bad.html)).toContain("business_hours");
    expect(await apiGet(test.key, `/v1/domains/${id}`)).toMatchObject({ calling_hours_end: "21:00", daily_attempt_cap: 3 });
  });
});

describe("keys", () => {
  it("creates a key shown once that works, lists it by prefix and last four, and revokes it", async () => {
    const { b, csrf } = await owner();
    const chosen = scopes.filter((s) => s !== "keys:write");
    const created = await postForm(b, "/keys", csrf, [["kind", "secret"], ["name", "CI"], ...chosen.map((s): [string, string] => ["scopes", s])]);
    expect(created.status).toBe(200);
    const key = /id="secret">([^<]+)</.exec(await created.text())?.[1] ?? "";
    expect(key).toMatch(/^rb_test_/);
    expect((await call("/v1/me", { headers: bearer(key) })).status).toBe(200);

    const list = await (await b.get("/keys")).text();
    expect(list).not.toContain(key);
    expect(list).toContain(`…${key.slice(-4)}`);
    const listed = (await apiGet(key, "/v1/keys")).data.find((k) => k.last4 === key.slice(-4));
    expect(listed).toMatchObject({ name: "CI", kind: "secret", scopes: chosen, revoked_at: null });
    const keyId = String(listed?.id);
    expect(list).toContain(`action="/keys/${keyId}/revoke"`);

    const revoked = await follow(b, await postForm(b, `/keys/${keyId}/revoke`, csrf, []));
    expect(flashText(revoked.html)).toContain("revoked");
    expect((await call("/v1/me", { headers: bearer(key) })).status).toBe(401);
  });

  it("makes a publishable key with intake:write only, whatever boxes are checked, and its origins", async () => {
    const { b, csrf, test } = await owner();
    const created = await postForm(b, "/keys", csrf, [["kind", "publishable"], ["allowed_origins", "https://shop.example"], ...scopes.map((s): [string, string] => ["scopes", s])]);
    expect(created.status).toBe(200);
    const key = /id="secret">([^<]+)</.exec(await created.text())?.[1] ?? "";
    const keys = await apiGet(test.key, "/v1/keys?kind=publishable");
    expect(keys.data).toMatchObject([{ last4: key.slice(-4), scopes: ["intake:write"], allowed_origins: ["https://shop.example"] }]);
    // Without an origin the API refuses, and the page says why.
    const refused = await follow(b, await postForm(b, "/keys", csrf, [["kind", "publishable"]]));
    expect(flashText(refused.html)).toContain("allowed_origins");
  });
});

describe("a viewer", () => {
  it("sees the pages without a form and is refused every change (403), which is not made", async () => {
    const { b, csrf, test, workspace } = await owner();
    const agentId = (await follow(b, await postForm(b, "/agents", csrf, [["name", "Ada"], ["phone", "+14155550143"]]))).location.split("/")[2];
    const domainId = (await follow(b, await postForm(b, "/domains", csrf, [["name", "view.example"]]))).location.split("/")[2];
    const keyId = String((await apiGet(test.key, "/v1/keys")).data[0]?.id);

    const viewer = await signIn(await makeUser(workspace.id, "viewer"));
    for (const path of ["/agents", `/agents/${agentId}`, "/domains", `/domains/${domainId}`, "/keys"]) {
      const res = await viewer.get(path);
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html, path).not.toMatch(/<form method="post" action="\/(agents|domains|keys)/);
      expect(html, path).not.toContain("<textarea");
    }
    expect(await (await viewer.get(`/domains/${domainId}`)).text()).toContain("09:00");

    const token = await viewer.csrf();
    const posts: [string, [string, string][]][] = [
      ["/agents", [["name", "Eve"], ["phone", "+14155550144"]]],
      [`/agents/${agentId}`, [["name", "Eve"]]],
      [`/agents/${agentId}/deactivate`, []],
      [`/agents/${agentId}/rotate`, []],
      ["/domains", [["name", "evil.example"]]],
      [`/domains/${domainId}`, [["name", "evil.example"]]],
      ["/keys", [["kind", "secret"]]],
      [`/keys/${keyId}/revoke`, []],
    ];
    for (const [path, fields] of posts) expect((await postForm(viewer, path, token, fields)).status, path).toBe(403);
    expect(await apiGet(test.key, `/v1/agents/${agentId}`)).toMatchObject({ name: "Ada", active: true });
    expect(await apiGet(test.key, `/v1/domains/${domainId}`)).toMatchObject({ name: "view.example" });
    expect((await apiGet(test.key, "/v1/agents")).data).toHaveLength(1);
    expect((await apiGet(test.key, "/v1/keys")).data.every((k) => k.revoked_at === null)).toBe(true);
  });
});
