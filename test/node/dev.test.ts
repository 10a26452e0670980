import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFile } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { verifyPassword } from "../../functions/console/password.ts";
import { devRefusal, startDev, stopDev } from "./dev-server.ts";

// `npm run dev` as a user runs it, pointed at this test run's database and Redis so it leaves
// the developer's own dev data alone.
const dataDir = mkdtempSync(join(tmpdir(), "ringback-dev-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

/** Every file under `dir` that holds `needle`, byte for byte (SQLite stores and logs included). */
function filesHolding(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  const bytes = Buffer.from(needle);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file).includes(bytes));
}


const { databaseUrl } = inject("stack");
const stateFile = join(dataDir, "dev.json");
let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});
afterAll(() => db.end());

/** The database URL as dev prints it: a password, if any, hidden. */
function shownUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}

function demoPassword(output: string): string {
  const printed = /sign in: {4}demo@ringback\.test\n {2}password: {3}(\S+) {3}\(made for this run/.exec(output);
  expect(printed, output).not.toBeNull();
  return printed![1]!;
}

/** The admin CLI as a user runs it in another terminal: no DATABASE_URL, no SECRETS_KEYS. */
async function adminWithoutSettings(...args: string[]): Promise<{ code: number; stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, RINGBACK_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  delete env.SECRETS_KEYS;
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "admin/cli.ts", ...args], { cwd: root, env });
    return { code: 0, stdout };
  } catch (err) {
    const { code, stdout } = err as { code: number; stdout: string };
    return { code, stdout };
  }
}

describe("a second npm run dev on a busy port", () => {
  it("says the port is in use before anything else, exits non-zero, and writes nothing", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const { port } = busy.address() as net.AddressInfo;
    const fresh = join(dataDir, "never-made");
    try {
      const refused = await devRefusal(fresh, port);
      expect(refused.code).toBe(1);
      expect(refused.output).toBe(`ringback: port ${port} is in use by another program. Stop it, or choose another port: PORT=${port + 1} npm run dev\n`);
      expect(existsSync(fresh)).toBe(false);
    } finally {
      busy.close();
    }
  });
});

describe("npm run dev", () => {
  it("serves /health and /v1/me for the printed demo key, keeps keys out of its logs, and reuses its data", async () => {
    const first = await startDev(dataDir);
    let key: string | undefined;
    let password = "";
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

      // Which database it uses, and where the admin CLI finds it while dev runs.
      expect(first.output()).toContain(`ringback: PostgreSQL from DATABASE_URL: ${shownUrl(databaseUrl)}`);
      expect(first.output()).toContain(`admin CLI:  npm run admin -- list   (finds this database and keyring through ${stateFile} while this runs)`);
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ pid: first.child.pid, url: first.base, database_url: databaseUrl, keyring_file: join(dataDir, "secrets.env") });
      expect(statSync(stateFile).mode & 0o777).toBe(0o600);
      const listed = await adminWithoutSettings("list", "--json");
      expect(listed.code).toBe(0);
      const demoWorkspace = (JSON.parse(listed.stdout) as { workspaces: { id: string; name: string; plan: string; callbacks_per_phone_per_hour: number | null }[] }).workspaces.find((w) => w.name === "Demo" && first.output().includes(w.id));
      // on a plan whose limits leave room for every seed's examples, which share one phone number
      expect(demoWorkspace).toMatchObject({ plan: "enterprise", callbacks_per_phone_per_hour: 1000 });

      // The console's demo login: printed with the console's address, owner of the demo workspace.
      expect(first.output()).toContain(`console:    ${first.base}/`);
      password = demoPassword(first.output());
      // Other tests start their own dev on this database, whose demo workspaces the demo user joins too.
      const [user] = (await db.query("select u.email, u.password_hash, m.role, m.workspace_id from users u join memberships m on m.user_id = u.id where u.email = 'demo@ringback.test' and m.workspace_id = $1", [demoWorkspace!.id])).rows;
      expect(user).toMatchObject({ role: "owner", workspace_id: demoWorkspace!.id });
      expect(await verifyPassword(password, user.password_hash)).toBe(true);

      // A second run on the same port says so first, and nothing else, and touches no file.
      const varsFile = join(dataDir, "dev.vars");
      const before = { vars: readFileSync(varsFile), mtime: statSync(varsFile).mtimeMs, state: readFileSync(stateFile, "utf8") };
      const refused = await devRefusal(dataDir, Number(new URL(first.base).port));
      expect(refused.code).toBe(1);
      expect(refused.output).toBe(
        `ringback: port ${new URL(first.base).port} is in use: npm run dev (process ${first.child.pid}) is already running at ${first.base} from this directory. Use that one, or stop it first (Ctrl-C in its terminal).\n`,
      );
      expect(readFileSync(varsFile)).toEqual(before.vars);
      expect(statSync(varsFile).mtimeMs).toBe(before.mtime);
      expect(readFileSync(stateFile, "utf8")).toBe(before.state);
      expect((await fetch(`${first.base}/health`)).status).toBe(200);
    } finally {
      expect(await stopDev(first)).toBe(0);
    }
    // Stopped, it leaves no state behind, and the CLI says what to do.
    expect(existsSync(stateFile)).toBe(false);
    const stopped = await adminWithoutSettings("list", "--json");
    expect(stopped.code).toBe(1);
    expect(JSON.parse(stopped.stdout).error).toContain("start `npm run dev`");

    // Nothing on disk holds a key: not the persist dir (wrangler's local observability would keep
    // every request URL there), not the rest of the data dir but the demo's own key file, not
    // wrangler's debug logs.
    const wranglerHome = join(root, ".config", ".wrangler");
    expect(filesHolding(dataDir, unknown)).toEqual([]);
    expect(filesHolding(wranglerHome, unknown)).toEqual([]);
    expect(filesHolding(dataDir, key!.slice(8))).toEqual([join(dataDir, "demo.json")]);
    expect(filesHolding(wranglerHome, key!.slice(8))).toEqual([]);
    // nor the demo login's password
    expect(filesHolding(dataDir, password)).toEqual([]);
    expect(filesHolding(wranglerHome, password)).toEqual([]);

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
      // A new password at each start; the last one no longer opens.
      const again = demoPassword(second.output());
      expect(again).not.toBe(password);
      const [{ password_hash: hash }] = (await db.query("select password_hash from users where email = 'demo@ringback.test'")).rows;
      expect(await verifyPassword(again, hash)).toBe(true);
      expect(await verifyPassword(password, hash)).toBe(false);
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
