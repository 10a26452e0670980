import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, examplePage, type PageServer, servePages } from "./browser-pages.ts";
import { type DevRun, startDev, stopDev } from "./dev-server.ts";

// examples/contact-form.html in a real browser (Debian's Chromium, driven by playwright-core)
// against `npm run dev`: served from a site of its own, its form goes through /v1/embed.js to
// the intake with a publishable key, the domain requiring consent; the same page on an origin the
// key does not list is refused by CORS and writes nothing.

const chromiumPath = "/usr/bin/chromium";
// Generous: the machine has two shared cores and may be busy with the rest of the suite.
const patience = 120_000;
const consentText = "I agree that Example Ltd may call me back on this number about my enquiry.";

const dataDir = mkdtempSync(join(tmpdir(), "ringback-embed-"));
let dev: DevRun;
let browser: Browser;
let site: PageServer;
let elsewhere: PageServer;
let secret: string;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${dev.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${secret}`, ...(body !== undefined && { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Rows the form could have written, counted through the API. */
async function written(): Promise<number> {
  const [leads, responses] = await Promise.all([api("GET", "/v1/leads?limit=100"), api("GET", "/v1/form_responses?limit=100")]);
  return leads.data.length + responses.data.length;
}

beforeAll(async () => {
  dev = await startDev(dataDir);
  const made = await admin("workspace", "create", "--name", "Embed shop", "--plan", "enterprise", "--callbacks-per-phone-per-hour", "100");
  secret = made.keys.test.key;
  const domain = await api("POST", "/v1/domains", { name: "Embed shop", require_consent: true });
  // Both sites serve their pages once they know the key; the key lists the first site only.
  const pages = new Map<string, string>();
  site = await servePages(pages);
  elsewhere = await servePages(pages);
  const pk = await api("POST", "/v1/keys", { kind: "publishable", name: "Contact form", allowed_origins: [site.origin] });
  // The plain action is never followed while JavaScript runs: a link that does not exist shows it if it were.
  const values = { host: dev.base, key: pk.key, domain: domain.id, linkToken: "no-such-link" };
  pages.set("/", examplePage(values));
  pages.set("/fr", examplePage({ ...values, lang: "fr" }));
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"], timeout: patience });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await elsewhere?.close();
  if (dev) await stopDev(dev);
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(url: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url, { timeout: patience });
  // embed.js has attached itself to the form.
  await page.locator("form[data-ringback-ready]").waitFor({ timeout: patience });
  return page;
}

const status = (page: Page) => page.locator("[data-ringback-status]");

/** The error embed.js put next to a field, through the field's aria-describedby. */
async function describedError(page: Page, selector: string): Promise<{ invalid: string | null; text: string; focused: boolean }> {
  return page.locator(selector).evaluate((field) => {
    const ids = (field.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean);
    return {
      invalid: field.getAttribute("aria-invalid"),
      text: ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" "),
      focused: document.activeElement === field,
    };
  });
}

describe("the example page with /v1/embed.js", () => {
  it("says why consent is needed, next to the box; then submits, and the lead has the consent record", async () => {
    const page = await open(`${site.origin}/`);
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Phone").fill("+14155550142");
    await page.getByLabel("Best time to call").fill("mornings");
    await page.getByRole("button", { name: "Call me back" }).click();
    await expect.poll(() => status(page).textContent(), { timeout: patience }).toBe("Please correct the fields marked below.");
    expect(await describedError(page, "input[name=consent]")).toEqual({ invalid: "true", text: "Please tick this box so that we may call you.", focused: true });
    expect(await written()).toBe(0);

    await page.getByRole("checkbox").check();
    await page.getByRole("button", { name: "Call me back" }).click();
    await expect.poll(() => status(page).textContent(), { timeout: patience }).toBe("Thank you! We will call you back shortly.");
    expect(page.url()).toBe(`${site.origin}/`);
    expect(await page.locator("[aria-invalid]").count()).toBe(0);

    const leads = await api("GET", `/v1/leads?phone=${encodeURIComponent("+14155550142")}`);
    expect(leads.data).toHaveLength(1);
    expect(leads.data[0]).toMatchObject({ name: "Ada Lovelace", custom_fields: { best_time: "mornings" } });
    const compliance = await api("GET", `/v1/leads/${leads.data[0].id}/compliance`);
    expect(compliance.consents).toEqual([
      expect.objectContaining({ source: "form_response", text: consentText, version: "v3", checked: true, page_url: `${site.origin}/` }),
    ]);
    expect(compliance.consents[0].user_agent).toContain("Chrome");
  });

  it("shows a field error inline, accessibly, in the page's language", async () => {
    for (const [path, words] of [["/", "Please enter a valid email address."], ["/fr", "Veuillez saisir une adresse e-mail valide."]]) {
      const page = await open(`${site.origin}${path}`);
      await page.getByLabel("Phone").fill("+14155550143");
      await page.getByLabel("Email").fill("not-an-email");
      await page.getByRole("checkbox").check();
      await page.getByRole("button").click();
      await expect.poll(() => page.locator("[data-ringback-error]").count(), { timeout: patience }).toBe(1);
      expect(await describedError(page, "input[name=email]")).toEqual({ invalid: "true", text: words, focused: true });
      expect(await status(page).getAttribute("aria-live")).toBe("polite");
    }
    expect((await api("GET", `/v1/leads?phone=${encodeURIComponent("+14155550143")}`)).data).toEqual([]);
  });

  it("is refused by CORS on an origin the key does not list, and nothing is written", async () => {
    const before = await written();
    const logFrom = dev.output().length;
    const page = await open(`${elsewhere.origin}/`);
    const refused: string[] = [];
    page.on("requestfailed", (request) => refused.push(request.url()));
    await page.getByLabel("Phone").fill("+14155550144");
    await page.getByRole("checkbox").check();
    await page.getByRole("button").click();
    await expect.poll(() => status(page).textContent(), { timeout: patience }).toBe("The form could not be sent. Please try again.");
    expect(refused).toEqual([expect.stringContaining(`${dev.base}/api/v1/form_responses?api_key=rb_pk_test_`)]);
    expect(await written()).toBe(before);
    // The preflight refused it: the POST itself never reached the Worker (wrangler logs each request).
    await expect.poll(() => dev.output().slice(logFrom), { timeout: patience }).toMatch(/OPTIONS \/api\/v1\/form_responses\S* 204/);
    expect(dev.output().slice(logFrom)).not.toMatch(/POST \/api\/v1\/form_responses/);
  });
});
