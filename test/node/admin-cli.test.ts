import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// The admin CLI, run as a user runs it, against this test run's database.
const run = promisify(execFile);
const databaseUrl = inject("stack").databaseUrl;

async function admin(...args: string[]): Promise<{ code: number; json: Record<string, any>; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "db/admin/cli.ts", ...args, "--json"], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return { code: 0, json: JSON.parse(stdout), stdout };
  } catch (err) {
    const { code, stdout } = err as { code: number; stdout: string };
    return { code, json: JSON.parse(stdout), stdout };
  }
}

let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});
afterAll(() => db.end());

describe("npm run admin", () => {
  it("workspace create prints one JSON object with the ids and both secret keys", async () => {
    const { code, json, stdout } = await admin("workspace", "create", "--name", "Acme", "--plan", "free");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(json.workspace).toMatchObject({ name: "Acme", plan: "free" });
    expect(json.workspace.id).toMatch(/^ws_/);
    expect(json.keys.live.key).toMatch(/^rb_live_[0-9A-Za-z]{32}$/);
    expect(json.keys.test.key).toMatch(/^rb_test_[0-9A-Za-z]{32}$/);
  });

  it("stores only the hash of a key, never the key", async () => {
    const { json } = await admin("workspace", "create", "--name", "Hashed", "--plan", "pro");
    const { rows } = await db.query("select * from api_keys where workspace_id = $1", [json.workspace.id]);
    expect(rows).toHaveLength(2);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(json.keys.live.key);
    expect(stored).not.toContain(json.keys.test.key);
    expect(rows.map((r) => r.key_hash)).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}$/)]));
  });

  it("makes publishable keys with origins, and revokes keys", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Shop");
    const { json: pk } = await admin("key", "create", "--workspace", ws.workspace.id, "--kind", "publishable", "--mode", "test", "--origin", "https://shop.example");
    expect(pk.key).toMatch(/^rb_pk_test_/);
    expect(pk.scopes).toEqual(["intake:write"]);
    expect(pk.allowed_origins).toEqual(["https://shop.example"]);
    const revoked = await admin("key", "revoke", "--id", pk.id);
    expect(revoked.code).toBe(0);
    expect(revoked.json.revoked_at).toBeTruthy();
    const again = await admin("key", "revoke", "--id", pk.id);
    expect(again).toMatchObject({ code: 1, json: { error: `no active key ${pk.id}` } });
  });

  it("adds domains and agents, and lists what exists without keys", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Listed");
    const id = ws.workspace.id;
    const { json: domain } = await admin("domain", "add", "--workspace", id, "--name", "listed.example", "--timezone", "Europe/London", "--country", "gb");
    expect(domain).toMatchObject({ name: "listed.example", timezone: "Europe/London", default_country: "GB", mode: "live" });
    expect(domain.widget_key).toMatch(/^wk_/);
    const { json: agent } = await admin("agent", "add", "--workspace", id, "--name", "Agent Smith", "--phone", "+1 (415) 555-0100", "--webhook-url", "https://hooks.example/post-call");
    expect(agent).toMatchObject({ phone: "+14155550100", webhook_url: "https://hooks.example/post-call" });
    expect(agent.webhook_secret).toMatch(/^whsec_/);
    const { json: list } = await admin("list", "--workspace", id);
    expect(list.workspaces.map((w: { id: string }) => w.id)).toEqual([id]);
    expect(list.domains).toHaveLength(1);
    expect(list.agents).toHaveLength(1);
    expect(list.keys).toHaveLength(2);
    expect(JSON.stringify(list)).not.toContain(ws.keys.live.key);
    expect(JSON.stringify(list)).not.toMatch(/key_hash|webhook_secret/);
  });

  it.each([
    [["workspace", "create"], "workspace create needs --name"],
    [["workspace", "create", "--name", "X", "--plan", "gold"], "--plan must be one of free, pro, enterprise"],
    [["domain", "add", "--workspace", "ws_missing", "--name", "x"], "no workspace ws_missing"],
    [["key", "create", "--workspace", "ws_missing"], "no workspace ws_missing"],
    [["frobnicate"], 'unknown command "frobnicate"'],
  ])("fails clearly for %j", async (args, message) => {
    const { code, json } = await admin(...args);
    expect(code).toBe(1);
    expect(json.error).toContain(message);
  });

  it("refuses a bad phone, time zone or scope", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Strict");
    const id = ws.workspace.id;
    expect((await admin("agent", "add", "--workspace", id, "--name", "A", "--phone", "12")).json.error).toContain("not a phone number");
    expect((await admin("domain", "add", "--workspace", id, "--name", "d", "--timezone", "Mars/Olympus")).json.error).toContain("unknown time zone");
    expect((await admin("key", "create", "--workspace", id, "--scopes", "root")).json.error).toContain("unknown scope root");
  });
});
