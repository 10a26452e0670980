// `npm run dev`: PostgreSQL, migrations, Redis, the local servers, then `wrangler dev` with both
// queues and the cron, and a demo workspace. Ctrl-C stops everything it started; a second run
// reuses the data in .data/.
import { mkdirSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { applyMigrations } from "../db/migrate.ts";
import { ensureDemo } from "./demo.ts";
import { ensureDevKeyring } from "./keyring.ts";
import { resolvePostgres } from "./postgres.ts";
import { resolveRedis } from "./redis.ts";
import { startLocalStack } from "./stack.ts";
import { ready, startWrangler, stopChild } from "./wrangler.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const data = process.env.RINGBACK_DATA_DIR ?? `${root}.data`;
const port = Number(process.env.PORT ?? 8787);
const base = `http://127.0.0.1:${port}`;
const say = (line: string) => console.log(`ringback: ${line}`);

mkdirSync(data, { recursive: true });

const postgres = await resolvePostgres({ database: process.env.RINGBACK_DEV_DATABASE ?? "ringback", throwaway: false, dataDir: `${data}/pg` });
say(`PostgreSQL from ${postgres.source}`);
await applyMigrations(postgres.url);
say("migrations applied");

const redis = await resolveRedis();
if (redis.url) say(`Redis from ${redis.source}`);
else say("WARNING: no Redis found (REDIS_URL or 127.0.0.1:6379); using the in-memory stand-in, which forgets everything on exit");

const stack = await startLocalStack(postgres, redis, "rb");
const { demo, created } = await ensureDemo(postgres.url, `${data}/demo.json`);
// Webhook secrets are sealed with a keyring kept from run to run, handed to wrangler in a file of
// its own instead of the stack's per-run one.
const keyringFile = `${data}/secrets.env`;
if (ensureDevKeyring(keyringFile).created) say(`made a keyring for webhook secrets in ${shown(keyringFile)}`);
const { SECRETS_KEYS: _perRun, ...bindings } = stack.bindings;

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
  say(`${created ? "created" : "reusing"} the demo workspace ${demo.workspace_id} (keys are kept in .data/demo.json)`);
  console.log(`
  Ringback is running at ${base}

  test key:   ${demo.test_key}
  live key:   ${demo.live_key}
  domain_id:  ${demo.test_domain_id}   (test mode, widget_key ${demo.test_widget_key})
  agent:      ${demo.test_agent_id}

  curl ${base}/v1/me -H "Authorization: Bearer ${demo.test_key}"

  admin CLI:  export ${postgres.source === "DATABASE_URL" ? "" : `DATABASE_URL=${postgres.url} `}$(cat ${shown(keyringFile)})
              npm run admin -- list
`);
}

/** A path as a user in the project's root would type it. */
function shown(path: string): string {
  const inRoot = relative(root, path);
  return inRoot.startsWith("..") || isAbsolute(inRoot) ? path : inRoot;
}
