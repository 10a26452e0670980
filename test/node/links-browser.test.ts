import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeKey, generateKey, hashKey } from "../../functions/lib/keys.ts";
import { newId } from "../../schemas/ids.ts";
import { defaultScopes } from "../../schemas/scopes.ts";
import { startDev, stopDev, type DevRun } from "./dev-server.ts";

// Signed links in a real browser (Debian's Chromium, driven by playwright-core) against `npm run
// dev`: a plain HTML form on another site, with JavaScript off, whose action is a signed link,
// sends a lead with its consent and lands on the site's thank-you page; and a page that
// prefetches a link that fixes a phone, or a click on it, rings nobody until the person sends
// the confirmation form. The pages are served from a small loopback server of the test's own.

const chromiumPath = "/usr/bin/chromium";
const patience = 120_000;
const consentText = "I agree to be called back about my enquiry.";

const dataDir = mkdtempSync(join(tmpdir(), "ringback-links-"));
let dev: DevRun;
let browser: Browser;
let db: pg.Client;
let site: Server;
let siteOrigin: string;
// What the site serves, by path; set by each test before the browser asks for it.
const pages = new Map<string, string>();

async function api(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${dev.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body !== undefined && { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}\n${dev.output().slice(-3000)}`);
  return JSON.parse(text);
}

/** A workspace with a test secret key, a domain, and a publishable key allowed on the site's origin. */
async function workspace(domain: Record<string, unknown> = {}) {
  const id = newId("workspace");
  const key = generateKey("secret", "test");
  await db.query("INSERT INTO workspaces (id, name, plan) VALUES ($1, 'Link Shop', 'enterprise')", [id]);
  const { prefix, last4 } = describeKey(key);
  await db.query("INSERT INTO api_keys (id, workspace_id, mode, kind, key_hash, prefix, last4, scopes) VALUES ($1, $2, 'test', 'secret', $3, $4, $5, $6)", [
    newId("apiKey"), id, await hashKey(key), prefix, last4, defaultScopes.secret,
  ]);
  const made = await api(key, "POST", "/v1/domains", { name: "shop.example", ...domain });
  await api(key, "POST", "/v1/keys", { kind: "publishable", allowed_origins: [siteOrigin] });
  return { id, key, domainId: made.id as string };
}

const rows = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows;
const written = async (workspaceId: string) => ({
  leads: (await rows("SELECT id FROM leads WHERE workspace_id = $1", [workspaceId])).length,
  callbacks: (await rows("SELECT id FROM callbacks WHERE workspace_id = $1", [workspaceId])).length,
});

beforeAll(async () => {
  // Not a skip: without the browser this test proves nothing, and must say so.
  if (!existsSync(chromiumPath)) throw new Error(`Chromium is missing at ${chromiumPath}: install it with \`apt-get install -y chromium\` (.ci/run does)`);
  db = new pg.Client({ connectionString: inject("stack").databaseUrl });
  await db.connect();
  site = createServer((req, res) => {
    const body = pages.get(new URL(req.url ?? "/", "http://site").pathname);
    req.resume();
    if (body === undefined) res.writeHead(404, { "Content-Type": "text/plain" }).end("not here");
    else res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(body);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  dev = await startDev(dataDir);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"], timeout: patience });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (dev) await stopDev(dev);
  site?.close();
  await db?.end();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("signed links in Chromium", () => {
  it("takes a lead with its consent from a plain HTML form with JavaScript off, and sends the person to the site's thank-you page", { timeout: 300_000 }, async () => {
    const shop = await workspace({ require_consent: true });
    const link = await api(shop.key, "POST", "/v1/links", { domain_id: shop.domainId, params: { campaign: "no-js" }, thank_you_url: `${siteOrigin}/thanks.html` });
    pages.set("/thanks.html", "<!doctype html><title>Thanks</title><h1>Thanks, we will call you</h1>");
    pages.set(
      "/contact.html",
      `<!doctype html><title>Contact</title><form method="post" action="${link.url}">
        <label>Phone <input name="phone" type="tel"></label>
        <label>Name <input name="name"></label>
        <label><input type="checkbox" name="consent" value="yes"> ${consentText}</label>
        <input type="hidden" name="consent_text" value="${consentText}">
        <input type="hidden" name="consent_version" value="2026-01">
        <button type="submit">Call me</button></form>`,
    );
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${siteOrigin}/contact.html?utm_source=mail`, { timeout: patience });
    await page.getByLabel("Phone").fill("+14155550131");
    await page.getByLabel("Name").fill("Grace No-Script");
    await page.getByLabel(consentText).check();
    await page.getByRole("button", { name: "Call me" }).click();
    await page.waitForURL(`${siteOrigin}/thanks.html`, { timeout: patience });
    await context.close();

    const [lead] = await rows("SELECT id, phone, name, custom_fields FROM leads WHERE workspace_id = $1", [shop.id]);
    expect(lead).toMatchObject({ phone: "+14155550131", name: "Grace No-Script", custom_fields: { campaign: "no-js" } });
    // Chromium sends only the origin as the Referer of a post to another site
    // (strict-origin-when-cross-origin), and the site is an allowed origin: that is the page kept.
    expect(await rows("SELECT form_type, source_url FROM form_responses WHERE workspace_id = $1", [shop.id])).toEqual([
      { form_type: "link", source_url: `${siteOrigin}/` },
    ]);
    expect(await rows("SELECT text, version, checked, page_url FROM consents WHERE lead_id = $1", [lead.id])).toEqual([
      { text: consentText, version: "2026-01", checked: true, page_url: `${siteOrigin}/` },
    ]);
    expect(await written(shop.id)).toEqual({ leads: 1, callbacks: 1 });
  });

  it("rings nobody for a prefetch of a link or a click on it; the confirmation form sends the request", { timeout: 300_000 }, async () => {
    const shop = await workspace();
    const link = await api(shop.key, "POST", "/v1/links", { domain_id: shop.domainId, params: { phone: "+14155550132" } });
    const token: string = link.token;
    pages.set("/mail.html", `<!doctype html><title>Mail</title><link rel="prefetch" href="${link.url}"><a href="${link.url}">Call me back</a>`);

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const seen: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes(token)) seen.push(`${request.method()} ${request.headers()["sec-purpose"] ?? ""}`);
    });
    await page.goto(`${siteOrigin}/mail.html`, { timeout: patience });
    // The prefetch is made by the browser on its own time: wait until it has reached the link.
    const started = Date.now();
    while (!seen.some((s) => s.includes("prefetch")) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 200));
    expect(seen).toContain("GET prefetch");
    // And a link checker fetching it outright, as mail scanners do.
    const scanned = await page.request.get(link.url, { headers: { "Sec-Purpose": "prefetch" } });
    expect(scanned.status()).toBe(200);
    expect(await written(shop.id)).toEqual({ leads: 0, callbacks: 0 });

    // The person clicks: a confirmation page, still nothing rung.
    await page.getByRole("link", { name: "Call me back" }).click();
    await page.getByRole("heading", { name: "Request a call back" }).waitFor({ timeout: patience });
    expect(await page.content()).toContain("+14155550132");
    expect(await written(shop.id)).toEqual({ leads: 0, callbacks: 0 });
    expect(seen.filter((s) => s.startsWith("GET")).length).toBeGreaterThanOrEqual(1);

    // Only sending the form asks for the call.
    await page.getByRole("button", { name: "Call me back" }).click();
    await page.getByRole("heading", { name: "Thank you" }).waitFor({ timeout: patience });
    await context.close();
    expect(await written(shop.id)).toEqual({ leads: 1, callbacks: 1 });
    expect(await rows("SELECT phone FROM leads WHERE workspace_id = $1", [shop.id])).toEqual([{ phone: "+14155550132" }]);
  });
});
