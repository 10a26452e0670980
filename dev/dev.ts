// `npm run dev`: PostgreSQL, migrations, Redis, the local servers, then `wrangler dev` with both
// queues and the cron, and a demo workspace. Ctrl-C stops everything it started; a second run
// reuses the data in .data/.
import { mkdirSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations } from "../db/migrate.ts";
import { demoLogin, ensureDemo } from "./demo.ts";
import { ensureDevKeyring } from "./keyring.ts";
import { resolvePostgres } from "./postgres.ts";
import { resolveRedis } from "./redis.ts";
import { startLocalStack } from "./stack.ts";
import { clearDevState, dataDirectory, devStateFile, portInUse, readDevState, writeDevState } from "./state.ts";
import { ready, startWrangler, stopChild } from "./wrangler.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const data = dataDirectory();
const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const say = (line: string) => console.log(`ringback: ${line}`);
const stateFile = devStateFile(data);

// Before anything is printed or written: a second run must not announce itself, then fail on the
// port, having overwritten the first one's settings file.
if (await portInUse(port)) {
  const other = readDevState(stateFile);
  console.error(
    other?.running
      ? `ringback: port ${port} is in use: npm run dev (process ${other.state.pid}) is already running at ${other.state.url} from this directory. Use that one, or stop it first (Ctrl-C in its terminal).`
      : `ringback: port ${port} is in use by another program. Stop it, or choose another port: PORT=${port + 1} npm run dev`,
  );
  process.exit(1);
}
const running = readDevState(stateFile);
if (running?.running && running.state.pid !== process.pid) {
  console.error(`ringback: npm run dev (process ${running.state.pid}) is already running from ${shown(data)} at ${running.state.url}; two would share its database and files. Stop it first, or give this one RINGBACK_DATA_DIR of its own.`);
  process.exit(1);
}

mkdirSync(data, { recursive: true });

const postgres = await resolvePostgres({ database: process.env.RINGBACK_DEV_DATABASE ?? "ringback", throwaway: false, dataDir: `${data}/pg` });
say(`PostgreSQL from ${postgres.source}: ${withoutPassword(postgres.url)}`);
await applyMigrations(postgres.url);
say("migrations applied");

const redis = await resolveRedis();
if (redis.url) say(`Redis from ${redis.source}`);
else say("WARNING: no Redis found (REDIS_URL or 127.0.0.1:6379); using the in-memory stand-in, which forgets everything on exit");

const stack = await startLocalStack(postgres, redis, "rb");
const { demo, created, plan } = await ensureDemo(postgres.url, `${data}/demo.json`);
const login = await demoLogin(postgres.url, demo.workspace_id);
// Webhook secrets are sealed with a keyring kept from run to run, handed to wrangler in a file of
// its own instead of the stack's per-run one.
const keyringFile = `${data}/secrets.env`;
if (ensureDevKeyring(keyringFile).created) say(`made a keyring for webhook secrets in ${shown(keyringFile)}`);
const { SECRETS_KEYS: _perRun, ...bindings } = stack.bindings;
// For the admin CLI: which database and keyring this run uses, while it runs.
writeDevState(stateFile, { pid: process.pid, url: base, database_url: postgres.url, database_source: postgres.source, keyring_file: keyringFile, started_at: new Date().toISOString() });
process.on("exit", () => clearDevState(stateFile));

const wrangler = startWrangler({
  root,
  port,
  vars: { ...bindings, ENVIRONMENT: "development", WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" },
  varsFile: `${data}/dev.vars`,
  envFiles: [keyringFile],
  persistTo: `${data}/wrangler`,
});

let cron: ReturnType<typeof setInterval> | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    clearInterval(cron);
    await stopChild(wrangler);
    await stack.close();
    await postgres.stop();
  }
  process.exit(code);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
wrangler.on("exit", (code) => {
  if (!stopping) {
    say(`wrangler exited (${code}); stopping`);
    void stop(code ?? 1);
  }
});

if (await ready(`${base}/health`, () => stopping)) {
  // wrangler dev does not fire cron triggers by itself; this does, every minute, as Cloudflare would.
  cron = setInterval(() => {
    fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => {});
  }, 60_000);
  say(`${created ? "created" : "reusing"} the demo workspace ${demo.workspace_id} (keys are kept in .data/demo.json), on the ${plan.plan} plan${plan.limits}`);
  if (plan.plan === "free") say(`the free plan's limits may get in the way of trying things: npm run admin -- workspace update ${demo.workspace_id} --plan enterprise --callbacks-per-phone-per-hour 1000`);
  console.log(`
  Ringback is running at ${base}

  console:    ${base}/
  sign in:    ${login.email}
  password:   ${login.password}   (made for this run; a new one at each start)

  test key:   ${demo.test_key}
  live key:   ${demo.live_key}
  domain_id:  ${demo.test_domain_id}   (test mode, widget_key ${demo.test_widget_key})
  agent:      ${demo.test_agent_id}

  curl ${base}/v1/me -H "Authorization: Bearer ${demo.test_key}"

  database:   ${withoutPassword(postgres.url)} (${postgres.source})
  admin CLI:  npm run admin -- list   (finds this database and keyring through ${shown(stateFile)} while this runs)
`);
}

/** A database URL fit to print: its password, if any, hidden. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}

/** A path as a user in the project's root would type it. */
function shown(path: string): string {
  const inRoot = relative(root, path);
  return inRoot.startsWith("..") || isAbsolute(inRoot) ? path : inRoot;
}
