import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashPassword } from "../../functions/console/password.ts";
import { describeKey, generateKey, hashKey } from "../../functions/lib/keys.ts";
import { newId } from "../../schemas/ids.ts";
import { defaultScopes } from "../../schemas/scopes.ts";
import { zoneAtHour } from "../zones.ts";
import { startDev, stopDev, type DevRun } from "./dev-server.ts";

// The console in a real browser (Debian's Chromium, driven by playwright-core) against `npm run
// dev`'s stack: a lead sent through the CallMeBack API shows up, a callback the dialler held says
// why, it is cancelled from its page, a failed delivery is replayed, a key is made and revoked,
// a viewer can change nothing, and another workspace's data never shows. Each page is saved
// under docs/screenshots/.

const chromiumPath = "/usr/bin/chromium";
const shots = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
// Generous: the machine has two shared cores and may be busy with the rest of the suite.
const patience = 120_000;
const password = "correct horse battery staple";

const dataDir = mkdtempSync(join(tmpdir(), "ringback-console-"));
let dev: DevRun;
let browser: Browser;
let db: pg.Client;
let receiver: Server;
let receiverStatus = 500;

type Workspace = { id: string; key: string; owner: string; viewer: string };

async function makeWorkspace(name: string): Promise<Workspace> {
  const id = newId("workspace");
  const key = generateKey("secret", "test");
  await db.query("INSERT INTO workspaces (id, name, plan) VALUES ($1, $2, 'enterprise')", [id, name]);
  const { prefix, last4 } = describeKey(key);
  await db.query("INSERT INTO api_keys (id, workspace_id, mode, kind, key_hash, prefix, last4, scopes) VALUES ($1, $2, 'test', 'secret', $3, $4, $5, $6)", [
    newId("apiKey"), id, await hashKey(key), prefix, last4, defaultScopes.secret,
  ]);
  const hash = await hashPassword(password, 1000);
  const user = async (role: string) => {
    const userId = newId("user");
    const email = `${role}-${userId}@example.com`;
    await db.query("INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3)", [userId, email, hash]);
    await db.query("INSERT INTO memberships (user_id, workspace_id, role) VALUES ($1, $2, $3)", [userId, id, role]);
    return email;
  };
  return { id, key, owner: await user("owner"), viewer: await user("viewer") };
}

async function api(ws: Workspace, method: string, path: string, body?: unknown) {
  const res = await fetch(`${dev.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${ws.key}`, ...(body !== undefined && { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch {
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}\n${dev.output().slice(-3000)}`);
  }
}

async function signIn(email: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("dialog", (dialog) => dialog.accept());
  await page.goto(`${dev.base}/`, { timeout: patience });
  expect(page.url()).toContain("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor({ timeout: patience });
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > patience) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  // Not a skip: without the browser this test proves nothing, and must say so.
  if (!existsSync(chromiumPath)) throw new Error(`Chromium is missing at ${chromiumPath}: install it with \`apt-get install -y chromium\` (.ci/run does)`);
  db = new pg.Client({ connectionString: inject("stack").databaseUrl });
  await db.connect();
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(receiverStatus, { "Content-Type": "text/plain" }).end(receiverStatus === 200 ? "ok" : "receiver is down"));
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  mkdirSync(shots, { recursive: true });
  dev = await startDev(dataDir);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"], timeout: patience });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (dev) await stopDev(dev);
  receiver?.close();
  await db?.end();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the console in Chromium", () => {
  it("runs a workspace: leads, a held callback, a replayed delivery, keys; a viewer changes nothing; another workspace never shows", { timeout: 900_000 }, async () => {
    const shop = await makeWorkspace("Acme Windows");
    const other = await makeWorkspace("Other Co");

    // Data: a lead through the CallMeBack API in each workspace.
    const domain = await api(shop, "POST", "/v1/domains", { name: "acme.example", timezone: "UTC" });
    expect(domain.status, JSON.stringify(domain.body)).toBe(201);
    const otherDomain = await api(other, "POST", "/v1/domains", { name: "other.example" });
    for (const [ws, domainId, name, phone] of [[shop, domain.body.id, "Ada Lovelace", "+14155550123"], [other, otherDomain.body.id, "Bob Other", "+14155550999"]] as const) {
      const sent = await api(ws, "POST", "/api/v1/form_responses", { form_response: { domain_id: domainId, form_data: { name, phone, email: "lead@example.com", message: "Please call me" }, form_type: "contact" } });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    }

    const page = await signIn(shop.owner);

    // The lead sent through CallMeBack is on the Leads page, and on its own page with its form response.
    await page.getByRole("link", { name: "Leads", exact: true }).click();
    await page.getByRole("link", { name: "Ada Lovelace" }).waitFor({ timeout: patience });
    expect(await page.content()).not.toContain("Bob Other");
    await shot(page, "leads");
    await page.getByRole("link", { name: "Ada Lovelace" }).click();
    await page.getByText("Form response", { exact: false }).first().waitFor({ timeout: patience });
    await shot(page, "lead");

    // A callback the dialler holds because the domain is closed today says so, and until when.
    // The domain and the lead are both where it is about noon now, and the lead's number is
    // toll-free, which names no zone of its own: their calling hours are open now and tomorrow
    // 09:00 to 17:00 falls inside them, whenever the suite runs, so only the domain holds it.
    const zone = zoneAtHour(12);
    const weekday = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short" }).format(new Date());
    const today = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(weekday) + 1; // ISO weekday in that zone
    const tomorrow = String((today % 7) + 1);
    const closed = await api(shop, "POST", "/v1/domains", { name: "closed.example", timezone: zone, business_hours: { [tomorrow]: [["09:00", "17:00"]] } });
    expect(closed.status, JSON.stringify(closed.body)).toBe(201);
    const created = await api(shop, "POST", "/v1/callbacks", { phone: "+18005550001", name: "Grace Hopper", domain_id: closed.body.id, timezone: zone });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const held = await until("the dialler to hold the callback", async () => {
      const cb = await api(shop, "GET", `/v1/callbacks/${created.body.id}`);
      return cb.body.hold ? cb.body : null;
    });
    expect(held.hold.reason).toBe("business_hours");
    await page.goto(`${dev.base}/callbacks/${created.body.id}`);
    await page.getByText("Held: the domain is closed").waitFor({ timeout: patience });
    expect(await page.locator(`time[datetime="${held.hold.until}"]`).count()).toBeGreaterThan(0);
    await shot(page, "callback");

    // Cancelling it from its page.
    await page.getByRole("button", { name: "Cancel this callback" }).click();
    await page.getByText("Callback canceled.").waitFor({ timeout: patience });
    expect((await api(shop, "GET", `/v1/callbacks/${created.body.id}`)).body.status).toBe("canceled");
    await page.getByRole("link", { name: "Callbacks", exact: true }).click();
    await shot(page, "callbacks");

    // A delivery the receiver failed is replayed from its page, and succeeds.
    const address = receiver.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const endpoint = await api(shop, "POST", "/v1/webhook_endpoints", { url: `http://127.0.0.1:${port}/hooks`, events: ["webhook.test"] });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    const sent = await api(shop, "POST", `/v1/webhook_endpoints/${endpoint.body.id}/test`);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    await until("the receiver's first refusal", async () => (await api(shop, "GET", `/v1/webhook_deliveries/${sent.body.id}`)).body.attempts.length > 0);
    // The retries would take hours to run out; the delivery is marked as they would leave it.
    await db.query("UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE id = $1", [sent.body.id]);
    receiverStatus = 200;
    await page.goto(`${dev.base}/webhooks?status=failed`);
    await page.getByRole("link", { name: "webhook.test" }).first().click();
    await page.getByText("receiver is down").first().waitFor({ timeout: patience });
    await page.getByRole("button", { name: "Replay this delivery" }).click();
    await page.getByText("Delivery queued again.").waitFor({ timeout: patience });
    await until("the replay to succeed", async () => (await api(shop, "GET", `/v1/webhook_deliveries/${sent.body.id}`)).body.status === "succeeded");
    await page.reload();
    await page.locator(".badge", { hasText: "succeeded" }).first().waitFor({ timeout: patience });
    await shot(page, "delivery");
    await page.goto(`${dev.base}/webhooks`);
    await shot(page, "webhooks");

    // A key made on the Keys page is shown once, works, and stops working once revoked.
    await page.goto(`${dev.base}/keys`);
    await page.getByLabel("Name").fill("Zapier");
    await page.getByRole("button", { name: /create/i }).click();
    const key = (await page.locator("#secret").textContent())?.trim() ?? "";
    expect(key).toMatch(/^rb_test_/);
    expect((await fetch(`${dev.base}/v1/me`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    await page.goto(`${dev.base}/keys`);
    await page.getByRole("row", { name: /Zapier/ }).getByRole("button", { name: /revoke/i }).click();
    await page.getByText(/revoked/i).first().waitFor({ timeout: patience });
    expect((await fetch(`${dev.base}/v1/me`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(401);
    await shot(page, "keys");

    for (const section of ["agents", "domains", "dnc"]) {
      await page.goto(`${dev.base}/${section}`);
      await shot(page, section);
    }

    // Another workspace's lead is not found by id either.
    const otherLead = (await api(other, "GET", "/v1/leads")).body.data[0].id;
    expect((await page.goto(`${dev.base}/leads/${otherLead}`))?.status()).toBe(404);
    expect(await page.content()).not.toContain("Bob Other");

    // A viewer sees no buttons that change anything, and a forged POST is refused.
    const viewer = await signIn(shop.viewer);
    const lead = (await api(shop, "GET", "/v1/leads")).body.data[0].id;
    await viewer.goto(`${dev.base}/leads/${lead}`);
    expect(await viewer.getByRole("button", { name: /opt out/i }).count()).toBe(0);
    await viewer.goto(`${dev.base}/keys`);
    expect(await viewer.getByRole("button", { name: /revoke|create/i }).count()).toBe(0);
    const csrf = await viewer.locator('input[name="_csrf"]').first().inputValue();
    const forged = await viewer.evaluate(async ([leadId, token]) => {
      const res = await fetch(`/leads/${leadId}/opt-out`, { method: "POST", body: new URLSearchParams({ _csrf: token ?? "", opted_out: "true" }) });
      return res.status;
    }, [lead, csrf]);
    expect(forged).toBe(403);
    expect((await api(shop, "GET", `/v1/leads/${lead}`)).body.opted_out).toBe(false);

    await page.goto(`${dev.base}/`);
    await shot(page, "overview");
    // On a phone's screen.
    const phone = await signIn(shop.owner, { width: 390, height: 844 });
    await shot(phone, "overview-phone");
    await page.context().clearCookies();
    await page.goto(`${dev.base}/login`);
    await shot(page, "login");
  });
});
