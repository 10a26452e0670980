import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyMigrations } from "../../db/migrate.ts";
import { Keyring } from "../../functions/lib/secrets.ts";

// The admin CLI, run as a user runs it, against this test run's database, with the run's keyring.
const run = promisify(execFile);
const { databaseUrl, bindings } = inject("stack");

type Env = Record<string, string | undefined>;

async function admin(...args: string[]) {
  return adminWith({}, ...args);
}

// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, whose shape each test checks with expect
async function adminWith(env: Env, ...args: string[]): Promise<{ code: number; json: Record<string, any>; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "admin/cli.ts", ...args, "--json"], {
      env: { ...process.env, DATABASE_URL: databaseUrl, SECRETS_KEYS: bindings.SECRETS_KEYS, WEBHOOKS_ALLOW_LOOPBACK_HTTP: undefined, ...env },
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

  it("sets how calls are answered: the agent's key press, the lead's voicemail, the post-call body", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Answering");
    const id = ws.workspace.id;
    expect((await admin("domain", "add", "--workspace", id, "--name", "default.example")).json).toMatchObject({
      agent_accept: true,
      machine_answer: "retry",
      voicemail_message: null,
      retry_after_voicemail: true,
    });
    const flags = ["--no-agent-accept", "--voicemail", " Sorry we missed you. ", "--stop-after-voicemail"];
    expect((await admin("domain", "add", "--workspace", id, "--name", "set.example", ...flags)).json).toMatchObject({
      agent_accept: false,
      machine_answer: "voicemail",
      voicemail_message: "Sorry we missed you.",
      retry_after_voicemail: false,
    });
    expect((await admin("domain", "add", "--workspace", id, "--name", "x", "--voicemail", " ")).json.error).toBe("--voicemail must be 1 to 1,000 characters");
    const agent = (await admin("agent", "add", "--workspace", id, "--name", "P", "--phone", "+14155550100", "--webhook-url", "https://hooks.example/p", "--post-call-json", "python")).json;
    expect(agent).toMatchObject({ post_call_json: "python" });
    expect((await admin("agent", "add", "--workspace", id, "--name", "Q", "--phone", "+14155550100", "--post-call-json", "ruby")).json.error).toContain("--post-call-json");
  });

  it("sets when an agent may be rung, and how far apart the morning's callbacks leave", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Schedules");
    const id = ws.workspace.id;
    const schedule = '{"1":[["09:00","12:00"],["13:00","17:00"]],"5":[["09:00","15:00"]]}';
    const { json: agent } = await admin("agent", "add", "--workspace", id, "--name", "S", "--phone", "+14155550100", "--timezone", "Europe/Paris", "--schedule", schedule, "--unavailable");
    expect(agent).toMatchObject({ available: false, timezone: "Europe/Paris", schedule: JSON.parse(schedule) });
    for (const bad of ['{"8":[["09:00","17:00"]]}', '{"1":[["17:00","09:00"]]}', '{"1":[["9am","5pm"]]}', "mondays"]) {
      expect((await admin("agent", "add", "--workspace", id, "--name", "S", "--phone", "+14155550100", "--schedule", bad)).json.error, bad).toMatch(/^--schedule/);
    }
    expect((await admin("domain", "add", "--workspace", id, "--name", "d", "--release-spacing", "30", "--simultaneous-ring", "3")).json).toMatchObject({
      release_spacing_seconds: 30,
      simultaneous_ring: 3,
    });
    expect((await admin("domain", "add", "--workspace", id, "--name", "d", "--simultaneous-ring", "11")).json.error).toBe("--simultaneous-ring must be 1 to 10");
    expect((await admin("domain", "add", "--workspace", id, "--name", "d", "--release-spacing", "7200")).json.error).toBe("--release-spacing must be 0 to 3600 seconds");
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

describe("agent webhooks from the admin CLI", () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = (await admin("workspace", "create", "--name", "Hooks")).json.workspace.id;
  });
  const agentAdd = (env: Env, url: string) => adminWith(env, "agent", "add", "--workspace", workspace, "--name", "A", "--phone", "+14155550100", "--webhook-url", url);

  it("stores the agent's secret sealed with SECRETS_KEYS, and prints it once", async () => {
    const { code, json: agent } = await agentAdd({}, "https://hooks.example.com/post-call");
    expect(code).toBe(0);
    const { rows } = await db.query("select webhook_secret from agents where id = $1", [agent.id]);
    const stored: string = rows[0].webhook_secret;
    const keyring = Keyring.parse(bindings.SECRETS_KEYS);
    expect(stored).toMatch(new RegExp(`^enc:v1:${keyring.current}:`));
    expect(stored).not.toContain(agent.webhook_secret.slice(6, 20));
    expect(await keyring.open(stored, { column: "agents.webhook_secret", id: agent.id })).toBe(agent.webhook_secret);
  });

  it.each([
    ["file:///etc/passwd", /must use https/],
    ["gopher://hooks.example.com:70/_GET", /must use https/],
    ["https://169.254.169.254/latest/meta-data/", /metadata/],
    ["https://[::ffff:0:a9fe:a9fe]/", /metadata/],
    ["https://user:pass@hooks.example.com/", /userinfo/],
    ["https://metadata.google.internal/", /internal/],
    ["http://hooks.example.com/", /must use https/],
    ["http://127.0.0.1:8080/hook", /loopback|https/],
    ["hooks.example.com/post-call", /not a valid URL/],
  ])("refuses %s as the Worker would, and makes no agent", async (url, reason) => {
    const { code, json } = await agentAdd({}, url);
    expect(code).toBe(1);
    expect(json.error).toMatch(/^--webhook-url is not allowed: it /);
    expect(json.error).toMatch(reason);
    const { rows } = await db.query("select 1 from agents where workspace_id = $1 and webhook_url = $2", [workspace, url]);
    expect(rows).toEqual([]);
  });

  it("allows a loopback receiver only with WEBHOOKS_ALLOW_LOOPBACK_HTTP=true, as the Worker does", async () => {
    expect((await agentAdd({ WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" }, "http://127.0.0.1:8080/hook")).code).toBe(0);
    expect((await agentAdd({ WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" }, "http://localhost:8080/hook")).json.error).toMatch(/must use https/);
    expect((await agentAdd({ WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" }, "https://169.254.169.254/")).json.error).toMatch(/metadata/);
    expect((await agentAdd({ WEBHOOKS_ALLOW_LOOPBACK_HTTP: "yes" }, "http://127.0.0.1:8080/hook")).json.error).toBe("WEBHOOKS_ALLOW_LOOPBACK_HTTP must be true or false");
  });

  it("needs a well-formed SECRETS_KEYS, and says so without repeating it", async () => {
    expect((await agentAdd({ SECRETS_KEYS: undefined }, "https://hooks.example.com/")).json.error).toMatch(/^SECRETS_KEYS is not set/);
    const bare = randomBytes(32).toString("base64");
    const { code, json } = await agentAdd({ SECRETS_KEYS: bare }, "https://hooks.example.com/");
    expect(code).toBe(1);
    expect(json.error).toMatch(/^SECRETS_KEYS entry 1 is not <key id>:<key>/);
    expect(json.error).not.toContain(bare.slice(0, 12));
    // An agent without a webhook needs no keyring.
    expect((await adminWith({ SECRETS_KEYS: undefined }, "agent", "add", "--workspace", workspace, "--name", "B", "--phone", "+14155550100")).code).toBe(0);
  });
});

// `secrets rotate` reseals every secret in its database, so it gets a database of its own: the
// Worker's tests, running meanwhile, keep theirs under the run's keyring.
describe("npm run admin -- secrets rotate", () => {
  const isolated = new URL(databaseUrl);
  isolated.pathname = `${isolated.pathname}_keyring`;
  const server = new URL(databaseUrl);
  server.pathname = "/postgres";
  let own: pg.Client;
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: server.href });
    await admin.connect();
    await admin.query(`create database "${isolated.pathname.slice(1)}"`);
    await admin.end();
    await applyMigrations(isolated.href);
    own = new pg.Client({ connectionString: isolated.href });
    await own.connect();
  });
  afterAll(async () => {
    await own?.end();
    const admin = new pg.Client({ connectionString: server.href });
    await admin.connect();
    await admin.query(`drop database if exists "${isolated.pathname.slice(1)}" with (force)`);
    await admin.end();
  });

  const key = () => randomBytes(32).toString("base64");
  const secret = () => `whsec_${randomBytes(32).toString("base64")}`;
  const on = (keys: string, ...args: string[]) => adminWith({ DATABASE_URL: isolated.href, SECRETS_KEYS: keys }, ...args);
  const stored = async (table: "webhook_endpoints" | "agents", id: string) => (await own.query(`select * from ${table} where id = $1`, [id])).rows[0];

  it("seals plaintext secrets and those under an old key with the new one, keeps them readable, and reports what it did", async () => {
    const [k1, k2, k3] = [key(), key(), key()];
    const old = Keyring.parse(`k1:${k1}`);
    const { json: ws } = await on(`k1:${k1}`, "workspace", "create", "--name", "Rotated");
    const workspace = ws.workspace.id as string;
    // Sealed under k1 by the CLI itself
    const { json: sealedAgent } = await on(`k1:${k1}`, "agent", "add", "--workspace", workspace, "--name", "A", "--phone", "+14155550100", "--webhook-url", "https://hooks.example.com/a");
    // From before sealing: plaintext, an endpoint mid-rotation and an agent
    const plain = { current: secret(), previous: secret(), agent: secret() };
    await own.query(
      `insert into webhook_endpoints (id, workspace_id, mode, url, secret, previous_secret, previous_secret_expires_at) values ('we_plain', $1, 'live', 'https://hooks.example.com/p', $2, $3, now() + interval '1 hour')`,
      [workspace, plain.current, plain.previous],
    );
    await own.query(`insert into agents (id, workspace_id, mode, name, phone, webhook_url, webhook_secret) values ('agt_plain', $1, 'live', 'B', '+14155550100', 'https://hooks.example.com/b', $2)`, [workspace, plain.agent]);
    // Sealed under k1 by the Worker
    const sealedSecret = secret();
    await own.query(`insert into webhook_endpoints (id, workspace_id, mode, url, secret) values ('we_sealed', $1, 'live', 'https://hooks.example.com/s', $2)`, [
      workspace,
      await old.seal(sealedSecret, { column: "webhook_endpoints.secret", id: "we_sealed" }),
    ]);

    const rotated = await on(`k2:${k2},k1:${k1}`, "secrets", "rotate");
    expect(rotated.code).toBe(0);
    expect(rotated.json).toEqual({ key: "k2", resealed: { webhook_endpoints: 2, agents: 2 }, unreadable: [] });
    for (const k of [k1, k2]) expect(rotated.stdout).not.toContain(k.slice(0, 12));

    // Every value is now under k2 alone, and opens to what it was.
    const k2only = Keyring.parse(`k2:${k2}`);
    const expectations: [string, string, "webhook_endpoints" | "agents", string, Parameters<Keyring["open"]>[1]["column"]][] = [
      ["we_plain", "secret", "webhook_endpoints", plain.current, "webhook_endpoints.secret"],
      ["we_plain", "previous_secret", "webhook_endpoints", plain.previous, "webhook_endpoints.previous_secret"],
      ["we_sealed", "secret", "webhook_endpoints", sealedSecret, "webhook_endpoints.secret"],
      ["agt_plain", "webhook_secret", "agents", plain.agent, "agents.webhook_secret"],
      [sealedAgent.id, "webhook_secret", "agents", sealedAgent.webhook_secret, "agents.webhook_secret"],
    ];
    for (const [id, field, table, plaintext, column] of expectations) {
      const value: string = (await stored(table, id))[field];
      expect(value, `${id}.${field}`).toMatch(/^enc:v1:k2:/);
      expect(await k2only.open(value, { column, id })).toBe(plaintext);
    }
    expect((await stored("webhook_endpoints", "we_sealed")).previous_secret).toBeNull();

    // Nothing left to do the second time.
    expect((await on(`k2:${k2},k1:${k1}`, "secrets", "rotate")).json.resealed).toEqual({ webhook_endpoints: 0, agents: 0 });

    // A value copied into another row does not open there: it is named and left as it is, the rest
    // resealed, and the command fails.
    const copied = (await stored("webhook_endpoints", "we_sealed")).secret;
    await own.query(`insert into webhook_endpoints (id, workspace_id, mode, url, secret) values ('we_copied', $1, 'live', 'https://hooks.example.com/c', $2)`, [workspace, copied]);
    const again = await on(`k3:${k3},k2:${k2}`, "secrets", "rotate");
    expect(again.code).toBe(1);
    expect(again.json.error).toMatch(/resealed 2 endpoint\(s\) and 2 agent\(s\) under "k3", but 1 secret\(s\) do not open with SECRETS_KEYS/);
    expect(again.json.error).toContain(`webhook_endpoints.secret of we_copied does not open under key "k2"`);
    expect((await stored("webhook_endpoints", "we_copied")).secret).toBe(copied);
    expect((await stored("webhook_endpoints", "we_sealed")).secret).toMatch(/^enc:v1:k3:/);

    expect((await on("", "secrets", "rotate")).json.error).toMatch(/^SECRETS_KEYS is not set/);
  });
});
