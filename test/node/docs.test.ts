import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { startDev, stopDev } from "./dev-server.ts";

// GET /docs in a real browser, against `npm run dev`: the API reference renders this Worker's own
// document, and the page asks no origin but the Worker's for anything. Debian's Chromium, driven
// by playwright-core (.ci/run installs it; playwright's own browser download needs the internet).
const chromiumPath = "/usr/bin/chromium";
const screenshot = fileURLToPath(new URL("../screenshots/docs.png", import.meta.url));
// Generous: the machine has two shared cores and may be busy with the rest of the suite.
const patience = 120_000;

const dataDir = mkdtempSync(join(tmpdir(), "ringback-docs-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));


describe("GET /docs", () => {
  it("renders the API reference in Chromium from the Worker's own files, asking no other origin", async () => {
    // Not a skip: without the browser this test proves nothing, and must say so.
    if (!existsSync(chromiumPath)) {
      throw new Error(`Chromium is missing at ${chromiumPath}: install it with \`apt-get install -y chromium\` (.ci/run does)`);
    }
    const dev = await startDev(dataDir);
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"], timeout: patience });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      context.on("request", (request) => requests.push(request.url()));
      const page = await context.newPage();
      const pageErrors: string[] = [];
      const refused: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
      });

      const response = await page.goto(`${dev.base}/docs`, { timeout: patience });
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-security-policy"]).toMatch(/^default-src 'self';/);

      // Scalar renders a tag's operations once it is opened, as a reader would: the tag in the
      // sidebar, then the operation.
      await page.getByText("intake", { exact: true }).first().click({ timeout: patience });
      await page.getByText("Make a call now (Calldock)", { exact: true }).first().click({ timeout: patience });
      const path = page.getByRole("region", { name: "Make a call now (Calldock)" }).getByText("/v1/make-call", { exact: true }).first();
      await path.waitFor({ state: "visible", timeout: patience });
      expect(await path.textContent()).toBe("/v1/make-call");
      // Anything sent late (on a timer, say) gets quiet seconds to show itself. Not "networkidle":
      // the sidebar's hash navigations keep Playwright from ever reporting it.
      for (let seen = -1; seen !== requests.length; ) {
        seen = requests.length;
        await page.waitForTimeout(3_000);
      }

      mkdirSync(join(screenshot, ".."), { recursive: true });
      await page.screenshot({ path: screenshot });

      // Every request the page made went to the Worker, the script and the document included.
      const ours = requests.filter((url) => url.startsWith(`${dev.base}/`)).map((url) => new URL(url).pathname);
      expect(ours).toEqual(expect.arrayContaining(["/docs", "/docs/assets/standalone.js", "/openapi.json"]));
      const outside = requests.filter((url) => !url.startsWith("data:") && new URL(url).origin !== dev.base);
      expect(outside, `requests: ${requests.join(", ")}`).toEqual([]);
      expect(refused).toEqual([]);
      expect(pageErrors).toEqual([]);

      // The package's other files, and the script under its own name, are not served.
      for (const path of ["/standalone.js", "/webpack-stats.json"]) expect((await fetch(`${dev.base}${path}`)).status, path).toBe(404);
    } finally {
      await browser.close();
      await stopDev(dev);
    }
  }, 600_000);
});
