import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { applyMigrations } from "../../db/migrate.ts";
import { Keyring } from "../../functions/lib/secrets.ts";
import { verifyPassword } from "../../functions/console/password.ts";

// The admin CLI, run as a user runs it, against this test run's database, with the run's keyring.
// Every call starts a Node process that compiles the CLI with tsx: about a second on an idle
// machine, three or more on a busy one, and a test makes up to ten of them. Two minutes each,
// not the suite's thirty seconds, which a test of nine calls ran past on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });
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

/** The CLI with `input` on its stdin. */
function adminStdin(input: string, ...args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "admin/cli.ts", ...args, "--json"], { env: { ...process.env, DATABASE_URL: databaseUrl } });
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stdin.end(input);
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout })));
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
    const { json: domain } = await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "listed.example", "--timezone", "Europe/London", "--country", "gb");
    expect(domain).toMatchObject({ name: "listed.example", timezone: "Europe/London", default_country: "GB", mode: "live" });
    expect(domain.widget_key).toMatch(/^wk_/);
    const { json: agent } = await admin("agent", "add", "--mode", "live", "--workspace", id, "--name", "Agent Smith", "--phone", "+1 (415) 555-0100", "--webhook-url", "https://hooks.example/post-call");
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
    expect((await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "default.example")).json).toMatchObject({
      agent_accept: true,
      machine_answer: "retry",
      voicemail_message: null,
      retry_after_voicemail: true,
    });
    const flags = ["--no-agent-accept", "--voicemail", " Sorry we missed you. ", "--stop-after-voicemail"];
    expect((await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "set.example", ...flags)).json).toMatchObject({
      agent_accept: false,
      machine_answer: "voicemail",
      voicemail_message: "Sorry we missed you.",
      retry_after_voicemail: false,
    });
    expect((await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "x", "--voicemail", " ")).json.error).toBe("--voicemail must be 1 to 1,000 characters");
    const agent = (await admin("agent", "add", "--mode", "live", "--workspace", id, "--name", "P", "--phone", "+14155550100", "--webhook-url", "https://hooks.example/p", "--post-call-json", "python")).json;
    expect(agent).toMatchObject({ post_call_json: "python" });
    expect((await admin("agent", "add", "--mode", "live", "--workspace", id, "--name", "Q", "--phone", "+14155550100", "--post-call-json", "ruby")).json.error).toContain("--post-call-json");
  });

  it("sets when an agent may be rung, and how far apart the morning's callbacks leave", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Schedules");
    const id = ws.workspace.id;
    const schedule = '{"1":[["09:00","12:00"],["13:00","17:00"]],"5":[["09:00","15:00"]]}';
    const { json: agent } = await admin("agent", "add", "--mode", "live", "--workspace", id, "--name", "S", "--phone", "+14155550100", "--timezone", "Europe/Paris", "--schedule", schedule, "--unavailable");
    expect(agent).toMatchObject({ available: false, timezone: "Europe/Paris", schedule: JSON.parse(schedule) });
    for (const bad of ['{"8":[["09:00","17:00"]]}', '{"1":[["17:00","09:00"]]}', '{"1":[["9am","5pm"]]}', "mondays"]) {
      expect((await admin("agent", "add", "--mode", "live", "--workspace", id, "--name", "S", "--phone", "+14155550100", "--schedule", bad)).json.error, bad).toMatch(/^--schedule/);
    }
    expect((await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "d", "--release-spacing", "30", "--simultaneous-ring", "3")).json).toMatchObject({
      release_spacing_seconds: 30,
      simultaneous_ring: 3,
    });
    expect((await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "d", "--simultaneous-ring", "11")).json.error).toBe("--simultaneous-ring must be 1 to 10");
    expect((await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "d", "--release-spacing", "7200")).json.error).toBe("--release-spacing must be 0 to 3600 seconds");
  });

  it.each([
    [["agent", "add", "--workspace", "ws_x", "--name", "A", "--phone", "+14155550100"], "agent add"],
    [["domain", "add", "--workspace", "ws_x", "--name", "d"], "domain add"],
    [["key", "create", "--workspace", "ws_x"], "key create"],
  ])("needs --mode for %j: nothing defaults to live", async (args, command) => {
    const { code, json } = await admin(...args);
    expect(code).toBe(1);
    expect(json.error).toBe(`${command} needs --mode test or --mode live: a test key sees only test domains and agents (and places no real calls), a live key only live ones`);
  });

  it.each([
    [["workspace", "create"], "workspace create needs --name"],
    [["workspace", "create", "--name", "X", "--plan", "gold"], "--plan must be one of free, pro, enterprise"],
    [["domain", "add", "--mode", "live", "--workspace", "ws_missing", "--name", "x"], "no workspace ws_missing"],
    [["key", "create", "--mode", "live", "--workspace", "ws_missing"], "no workspace ws_missing"],
    [["frobnicate"], 'unknown command "frobnicate"'],
  ])("fails clearly for %j", async (args, message) => {
    const { code, json } = await admin(...args);
    expect(code).toBe(1);
    expect(json.error).toContain(message);
  });

  it("refuses a bad phone, time zone or scope", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Strict");
    const id = ws.workspace.id;
    expect((await admin("agent", "add", "--mode", "live", "--workspace", id, "--name", "A", "--phone", "12")).json.error).toContain("not a phone number");
    expect((await admin("domain", "add", "--mode", "live", "--workspace", id, "--name", "d", "--timezone", "Mars/Olympus")).json.error).toContain("unknown time zone");
    expect((await admin("key", "create", "--mode", "live", "--workspace", id, "--scopes", "root")).json.error).toContain("unknown scope root");
  });
});

describe("npm run admin -- workspace update", () => {
  let unchanged: string;
  beforeAll(async () => {
    unchanged = (await admin("workspace", "create", "--name", "Unchanged", "--plan", "free")).json.workspace.id;
  });
  const row = async (id: string) => (await db.query("select plan, requests_per_hour, callbacks_per_phone_per_hour from workspaces where id = $1", [id])).rows[0];

  it("sets the plan and limits of its own, and puts a limit back to the plan's with default", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Growing");
    const id = ws.workspace.id;
    const { code, json, stdout } = await admin("workspace", "update", id, "--plan", "enterprise", "--requests-per-hour", "20000", "--callbacks-per-phone-per-hour", "50");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(json).toEqual({ id, name: "Growing", plan: "enterprise", requests_per_hour: 20000, callbacks_per_phone_per_hour: 50 });
    expect(await row(id)).toEqual({ plan: "enterprise", requests_per_hour: 20000, callbacks_per_phone_per_hour: 50 });
    // One change leaves the rest as they are.
    expect((await admin("workspace", "update", id, "--requests-per-hour", "default")).json).toMatchObject({ plan: "enterprise", requests_per_hour: null, callbacks_per_phone_per_hour: 50 });
    expect((await admin("workspace", "update", id, "--plan", "pro", "--callbacks-per-phone-per-hour", "default")).json).toMatchObject({ plan: "pro", requests_per_hour: null, callbacks_per_phone_per_hour: null });
    expect(await row(id)).toEqual({ plan: "pro", requests_per_hour: null, callbacks_per_phone_per_hour: null });
  });

  it.each([
    [["--plan", "gold"], "--plan must be one of free, pro, enterprise"],
    [["--requests-per-hour", "0"], "--requests-per-hour must be a whole number from 1 to 1,000,000,000, or default"],
    [["--callbacks-per-phone-per-hour", "2.5"], "--callbacks-per-phone-per-hour must be a whole number"],
    [["--callbacks-per-phone-per-hour=-3"], "--callbacks-per-phone-per-hour must be a whole number"],
    [["--requests-per-hour", "9999999999"], "--requests-per-hour must be a whole number"],
    [[], "workspace update needs at least one of --plan, --requests-per-hour, --callbacks-per-phone-per-hour"],
  ])("refuses %j and changes nothing", async (flags, message) => {
    const { code, json } = await admin("workspace", "update", unchanged, ...flags);
    expect(code).toBe(1);
    expect(json.error).toContain(message);
    expect(await row(unchanged)).toEqual({ plan: "free", requests_per_hour: null, callbacks_per_phone_per_hour: null });
  });

  it("names a workspace that does not exist, and needs an id", async () => {
    expect((await admin("workspace", "update", "ws_missing", "--plan", "pro")).json.error).toBe("no workspace ws_missing");
    expect((await admin("workspace", "update", "--plan", "pro")).json.error).toContain("workspace update needs the workspace's id");
    expect((await admin("workspace", "update", "ws_a", "ws_b", "--plan", "pro")).json.error).toBe('workspace update: unexpected argument "ws_b"');
  });
});

describe("npm run admin -- user create", () => {
  let refusing: string;
  beforeAll(async () => {
    refusing = (await admin("workspace", "create", "--name", "Refusing")).json.workspace.id;
  });
  const hashOf = async (email: string) => (await db.query("select password_hash from users where email = $1", [email])).rows[0]?.password_hash as string | undefined;
  const rolesOf = async (userId: string) => (await db.query("select workspace_id, role from memberships where user_id = $1 order by workspace_id", [userId])).rows;
  const email = () => `Owner.${randomBytes(4).toString("hex")}@Example.COM`;

  it("makes a user with a strong password printed once, stored only as a PBKDF2 hash the console verifies", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Console");
    const address = email();
    const { code, json, stdout } = await admin("user", "create", "--email", ` ${address} `, "--workspace", ws.workspace.id, "--role", "owner");
    expect(code).toBe(0);
    expect(json.user).toMatchObject({ email: address.toLowerCase(), created: true });
    expect(json.user.id).toMatch(/^usr_/);
    expect(json.membership).toEqual({ workspace_id: ws.workspace.id, role: "owner" });
    expect(json.password).toMatch(/^[\w-]{24}$/);
    const hash = await hashOf(address.toLowerCase());
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(hash).not.toContain(json.password);
    expect(await verifyPassword(json.password, hash!)).toBe(true);
    expect(await verifyPassword(`${json.password}x`, hash!)).toBe(false);
    // Listed without the hash.
    const { json: list } = await admin("user", "list", "--workspace", ws.workspace.id);
    expect(list.users).toEqual([{ id: json.user.id, email: address.toLowerCase(), name: null, created_at: expect.any(String), memberships: [{ workspace_id: ws.workspace.id, role: "owner" }] }]);
    expect(JSON.stringify(list)).not.toContain("pbkdf2");
    expect(stdout).not.toContain("pbkdf2");
  });

  it("gives someone with an account a membership of another workspace, keeping their password", async () => {
    const [{ json: a }, { json: b }] = await Promise.all([admin("workspace", "create", "--name", "A"), admin("workspace", "create", "--name", "B")]);
    const address = email();
    const first = (await admin("user", "create", "--email", address, "--workspace", a.workspace.id, "--role", "admin")).json;
    const hash = await hashOf(address.toLowerCase());
    const second = await admin("user", "create", "--email", address.toUpperCase(), "--workspace", b.workspace.id, "--role", "viewer");
    expect(second.code).toBe(0);
    expect(second.json).toEqual({ user: { id: first.user.id, email: address.toLowerCase(), created: false }, membership: { workspace_id: b.workspace.id, role: "viewer" } });
    expect(await hashOf(address.toLowerCase())).toBe(hash);
    expect(await rolesOf(first.user.id)).toEqual([{ workspace_id: a.workspace.id, role: "admin" }, { workspace_id: b.workspace.id, role: "viewer" }].sort((x, y) => x.workspace_id.localeCompare(y.workspace_id)));
    // The same again changes nothing; another role, or a password for them, is refused.
    expect((await admin("user", "create", "--email", address, "--workspace", b.workspace.id, "--role", "viewer")).code).toBe(0);
    expect((await admin("user", "create", "--email", address, "--workspace", b.workspace.id, "--role", "owner")).json.error).toBe(`${address.toLowerCase()} is already viewer of ${b.workspace.id}; user create does not change a role`);
    const withPassword = await admin("user", "create", "--email", address, "--workspace", b.workspace.id, "--role", "viewer", "--password", "a-long-enough-password");
    expect(withPassword.json.error).toContain("already has an account, and its password is left as it is");
    expect(await hashOf(address.toLowerCase())).toBe(hash);
  });

  it("takes a password from --password or from stdin, and prints neither", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Given");
    const given = `given ${randomBytes(9).toString("base64url")}`;
    const address = email();
    const made = await admin("user", "create", "--email", address, "--workspace", ws.workspace.id, "--role", "owner", "--password", given);
    expect(made.json.password).toBeUndefined();
    expect(made.stdout).not.toContain(given);
    expect(await verifyPassword(given, (await hashOf(address.toLowerCase()))!)).toBe(true);

    const piped = `piped ${randomBytes(9).toString("base64url")}`;
    const other = email();
    const fromStdin = await adminStdin(`${piped}\n`, "user", "create", "--email", other, "--workspace", ws.workspace.id, "--role", "viewer", "--password-stdin");
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).not.toContain(piped);
    expect(await verifyPassword(piped, (await hashOf(other.toLowerCase()))!)).toBe(true);
  });

  it.each([
    [["--email", "not-an-email", "--role", "owner"], "not-an-email is not an email address"],
    [["--email", "x@example.com", "--role", "root"], "--role must be one of owner, admin, viewer"],
    [["--email", "x@example.com", "--role", "owner", "--password", "short"], "a password must be 12 to 256 characters"],
    [["--role", "owner"], "user create needs --email"],
    [["--email", "x@example.com"], "user create needs --role"],
  ])("refuses %j", async (flags, message) => {
    const { code, json } = await admin("user", "create", "--workspace", refusing, ...flags);
    expect(code).toBe(1);
    expect(json.error).toContain(message);
  });

  it("needs an existing workspace", async () => {
    expect((await admin("user", "create", "--email", email(), "--workspace", "ws_missing", "--role", "owner")).json.error).toBe("no workspace ws_missing");
  });
});

describe("where the admin CLI finds its database", () => {
  const dir = mkdtempSync(join(tmpdir(), "ringback-admin-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const noSettings = { DATABASE_URL: undefined, SECRETS_KEYS: undefined, RINGBACK_DATA_DIR: dir };
  const state = (pid: number) => writeFileSync(join(dir, "dev.json"), JSON.stringify({ pid, url: "http://127.0.0.1:8787", database_url: databaseUrl, database_source: "embedded", keyring_file: join(dir, "secrets.env"), started_at: new Date().toISOString() }));

  it("with no settings and no npm run dev, says to start it or set DATABASE_URL", async () => {
    const { code, json } = await adminWith(noSettings, "list");
    expect(code).toBe(1);
    expect(json.error).toBe(`DATABASE_URL is not set, and no npm run dev is running (there is no ${join(dir, "dev.json")}): start \`npm run dev\` in another terminal, or set DATABASE_URL to the Ringback database`);
  });

  it("uses the database and keyring of the running npm run dev", async () => {
    state(process.pid); // a live process stands in for dev
    writeFileSync(join(dir, "secrets.env"), `SECRETS_KEYS=${bindings.SECRETS_KEYS}\n`);
    const { json: ws } = await adminWith(noSettings, "workspace", "create", "--name", "Found");
    const { rows } = await db.query("select name from workspaces where id = $1", [ws.workspace.id]);
    expect(rows).toEqual([{ name: "Found" }]);
    const { code, json: agent } = await adminWith(noSettings, "agent", "add", "--mode", "test", "--workspace", ws.workspace.id, "--name", "A", "--phone", "+14155550100", "--webhook-url", "https://hooks.example.com/a");
    expect(code).toBe(0);
    const sealed = (await db.query("select webhook_secret from agents where id = $1", [agent.id])).rows[0].webhook_secret;
    expect(await Keyring.parse(bindings.SECRETS_KEYS).open(sealed, { column: "agents.webhook_secret", id: agent.id })).toBe(agent.webhook_secret);
  });

  it("says when the npm run dev that wrote the file has stopped", async () => {
    const ended = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => ended.once("exit", resolve));
    state(ended.pid!);
    const { code, json } = await adminWith(noSettings, "list");
    expect(code).toBe(1);
    expect(json.error).toBe(`DATABASE_URL is not set, and the npm run dev that wrote ${join(dir, "dev.json")} (process ${ended.pid}) has stopped: start \`npm run dev\` again, or set DATABASE_URL to the Ringback database`);
  });

  it("prefers DATABASE_URL when it is set", async () => {
    state(process.pid);
    const { json } = await adminWith({ RINGBACK_DATA_DIR: dir, DATABASE_URL: "postgres://postgres@127.0.0.1:1/nowhere" }, "list");
    expect(json.error).toMatch(/^failed: /);
  });
});

describe("npm run -s admin -- … --json", () => {
  it("prints the JSON alone; without -s npm's banner comes first, and the CLI says how to drop it", async () => {
    const { json: ws } = await admin("workspace", "create", "--name", "Through npm");
    const args = ["admin", "--", "list", "--workspace", ws.workspace.id, "--json"];
    // npm as a user runs it: its own log level, whatever the run of the tests was given.
    const env = { ...process.env, DATABASE_URL: databaseUrl, npm_config_loglevel: undefined };
    const silent = await run("npm", ["run", "-s", ...args], { env });
    expect(JSON.parse(silent.stdout).workspaces[0].id).toBe(ws.workspace.id);
    const loud = await run("npm", ["run", ...args], { env });
    expect(loud.stdout).toMatch(/^\n> ringback@[\d.]+ admin\n/);
    expect(loud.stderr).toContain("`npm run -s admin -- …` prints the JSON alone");
  });
});

describe("agent webhooks from the admin CLI", () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = (await admin("workspace", "create", "--name", "Hooks")).json.workspace.id;
  });
  const agentAdd = (env: Env, url: string) => adminWith(env, "agent", "add", "--mode", "live", "--workspace", workspace, "--name", "A", "--phone", "+14155550100", "--webhook-url", url);

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
    expect((await adminWith({ SECRETS_KEYS: undefined }, "agent", "add", "--mode", "live", "--workspace", workspace, "--name", "B", "--phone", "+14155550100")).code).toBe(0);
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
    const { json: sealedAgent } = await on(`k1:${k1}`, "agent", "add", "--mode", "live", "--workspace", workspace, "--name", "A", "--phone", "+14155550100", "--webhook-url", "https://hooks.example.com/a");
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
