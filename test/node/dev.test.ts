import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startDev, stopDev } from "./dev-server.ts";

// `npm run dev` as a user runs it, pointed at this test run's database and Redis so it leaves
// the developer's own dev data alone.
const dataDir = mkdtempSync(join(tmpdir(), "ringback-dev-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every file under `dir` that holds `needle`, byte for byte (SQLite stores and logs included). */
function filesHolding(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  const bytes = Buffer.from(needle);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file).includes(bytes));
}


describe("npm run dev", () => {
  it("serves /health and /v1/me for the printed demo key, keeps keys out of its logs, and reuses its data", async () => {
    const first = await startDev(dataDir);
    let key: string | undefined;
    let unknown = "";
    let endpointId = "";
    try {
      const curl = /curl (\S+) -H "Authorization: Bearer (rb_test_\w+)"/.exec(first.output());
      expect(curl, first.output()).not.toBeNull();
      const [, url] = curl!;
      key = curl![2];
      expect(url).toBe(`${first.base}/v1/me`);

      const health = await fetch(`${first.base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok" });

      const me = await fetch(url!, { headers: { Authorization: `Bearer ${key}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ mode: "test", workspace: { name: "Demo" } });

      // A key in a query string is refused here, and must not reach wrangler's request log.
      const leaked = await fetch(`${first.base}/v1/me?api_key=${key}`);
      expect(leaked.status).toBe(401);
      // A Brightcall link carries its key in the query string: with the demo's key, and with one
      // that exists nowhere else, so that finding it anywhere is a leak.
      const widgetKey = /widget_key (wk_[\w-]+)/.exec(first.output())![1];
      const link = (apiKey: string) => `${first.base}/rest/v1/ext/add_call_api/?api_key=${apiKey}&widget_key=${widgetKey}&lc_number=%2B14155550123`;
      expect((await fetch(link(key!))).status).toBe(201);
      unknown = `rb_test_${randomBytes(24).toString("base64url").replace(/[-_]/g, "x").slice(0, 32)}`;
      expect((await fetch(link(unknown))).status).toBe(401);
      // A webhook endpoint, whose secret is sealed with the keyring this run made.
      const made = await fetch(`${first.base}/v1/webhook_endpoints`, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: JSON.stringify({ url: "https://hooks.example.com/dev" }) });
      expect(made.status).toBe(201);
      endpointId = ((await made.json()) as { id: string }).id;
      await new Promise((r) => setTimeout(r, 500));
      const logged = first.output().split("curl http")[1]!.split("\n").slice(1).join("\n");
      expect(logged).toContain("/v1/me");
      expect(logged).not.toContain(key!.slice(8));
      expect(first.output()).toContain("made a keyring for webhook secrets");
      // and how the admin CLI gets it (DATABASE_URL is set here, as the user's own)
      expect(first.output()).toContain(`admin CLI:  export $(cat ${join(dataDir, "secrets.env")})`);
    } finally {
      expect(await stopDev(first)).toBe(0);
    }

    // Nothing on disk holds a key: not the persist dir (wrangler's local observability would keep
    // every request URL there), not the rest of the data dir but the demo's own key file, not
    // wrangler's debug logs.
    const wranglerHome = join(root, ".config", ".wrangler");
    expect(filesHolding(dataDir, unknown)).toEqual([]);
    expect(filesHolding(wranglerHome, unknown)).toEqual([]);
    expect(filesHolding(dataDir, key!.slice(8))).toEqual([join(dataDir, "demo.json")]);
    expect(filesHolding(wranglerHome, key!.slice(8))).toEqual([]);

    // The keyring: made once, this user's alone, and nowhere else (not in wrangler's settings file,
    // not in anything printed).
    const keyringFile = join(dataDir, "secrets.env");
    expect(statSync(keyringFile).mode & 0o777).toBe(0o600);
    const keyring = readFileSync(keyringFile, "utf8");
    const material = /^SECRETS_KEYS=dev1:([A-Za-z0-9+/]{43}=)\n$/.exec(keyring)![1]!;
    expect(filesHolding(dataDir, material)).toEqual([keyringFile]);
    expect(first.output()).not.toContain(material);

    const second = await startDev(dataDir);
    try {
      expect(second.output()).toContain("reusing the demo workspace");
      expect(second.output()).toContain("curl http");
      expect(second.output()).not.toContain("made a keyring");
      // The endpoint's secret, sealed in the first run, opens in the second: rotating it reads it.
      const demoKey = /Bearer (rb_test_\w+)/.exec(second.output())![1];
      const rotated = await fetch(`${second.base}/v1/webhook_endpoints/${endpointId}/rotate_secret`, { method: "POST", headers: { Authorization: `Bearer ${demoKey}` } });
      expect(rotated.status).toBe(200);
    } finally {
      await stopDev(second);
    }
    expect(readFileSync(keyringFile, "utf8")).toBe(keyring);
  }, 240_000);
});
