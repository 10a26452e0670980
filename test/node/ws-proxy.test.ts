// The WebSocket-to-TCP proxy, driven by the real driver's Pool and drizzle-orm/neon-serverless
// against a throwaway database.
import { randomBytes } from "node:crypto";
import { NeonDbError, Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { integer, pgTable, text } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import ws from "ws";
import { startWsProxy, type WsProxy } from "../../dev/ws-proxy.ts";

// A throwaway database on the server this test run uses (local, or embedded).
const pgServer = new URL(inject("stack").databaseUrl);
const on = (name: string) => Object.assign(new URL(pgServer), { pathname: `/${name}` }).toString();
const ADMIN_URL = on("postgres");
const database = `rb_devtest_${randomBytes(6).toString("hex")}`;
const databaseUrl = on(database);

const notes = pgTable("notes", { id: integer("id").primaryKey(), body: text("body").notNull() });

let proxy: WsProxy;
let pool: Pool;

beforeAll(async () => {
  await admin(ADMIN_URL, `CREATE DATABASE ${database}`);
  await admin(databaseUrl, "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
  proxy = await startWsProxy({ port: 0 });
  neonConfig.webSocketConstructor = ws;
  neonConfig.wsProxy = (host, port) => `${proxy.proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  pool = new Pool({ connectionString: databaseUrl, max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await proxy?.close();
  await admin(ADMIN_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

describe("Pool through the proxy", () => {
  it("runs queries with parameters", async () => {
    const { rows } = await pool.query("SELECT $1::int + 1 AS answer, $2::text AS word", [41, "ü✓"]);
    expect(rows).toEqual([{ answer: 42, word: "ü✓" }]);
  });

  it("carries results larger than one WebSocket frame or TCP segment intact", async () => {
    const { rows } = await pool.query("SELECT repeat('ab', 2000000) AS big");
    expect(rows[0].big).toHaveLength(4_000_000);
    expect(rows[0].big.slice(0, 4)).toBe("abab");
  });

  it("commits an interactive transaction", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("INSERT INTO notes (id, body) VALUES (1, 'kept')");
      const { rows } = await client.query("SELECT body FROM notes WHERE id = 1");
      expect(rows).toEqual([{ body: "kept" }]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await bodies(1)).toEqual(["kept"]);
  });

  it("rolls an interactive transaction back", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("INSERT INTO notes (id, body) VALUES (2, 'dropped')");
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await bodies(2)).toEqual([]);
  });

  it("surfaces a SQL error with its code and keeps the connection usable", async () => {
    const client = await pool.connect();
    try {
      await expect(client.query("SELECT * FROM no_such_table")).rejects.toMatchObject({ code: "42P01" });
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });

  it("rolls a drizzle-orm/neon-serverless transaction back when it throws", async () => {
    const db = drizzle({ client: pool });
    await db.transaction(async (tx) => {
      await tx.insert(notes).values({ id: 3, body: "committed" });
    });
    const failed = db.transaction(async (tx) => {
      await tx.insert(notes).values({ id: 4, body: "never" });
      await tx.insert(notes).values({ id: 3, body: "duplicate" });
    });
    await expect(failed).rejects.toThrow();
    expect(await bodies(3)).toEqual(["committed"]);
    expect(await bodies(4)).toEqual([]);
  });
});

describe("the allow-list", () => {
  it("refuses the driver's connection to a host that is not allow-listed", async () => {
    const remote = new Pool({ connectionString: "postgres://postgres@db.example.com:5432/neondb", max: 1 });
    try {
      const error = await remote.query("SELECT 1").catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(NeonDbError);
      expect(String((error as { message?: unknown }).message ?? error)).toMatch(/403/);
    } finally {
      await remote.end();
    }
  });

  it.each([
    ["a host outside the allow-list", "/v1?address=10.0.0.1:5432", 403],
    ["a missing address", "/v1", 400],
    ["a port out of range", "/v1?address=127.0.0.1:70000", 400],
    ["an allowed target that does not listen", "/v1?address=127.0.0.1:1", 502],
  ])("answers %s with HTTP %i", async (_case, path, status) => {
    expect(await upgradeStatus(`ws://${proxy.proxy}${path}`)).toBe(status);
  });

  it("honours a custom allow-list", async () => {
    const narrow = await startWsProxy({ allowedHosts: ["localhost"] });
    try {
      const port = pgServer.port || "5432";
      expect(await upgradeStatus(`ws://${narrow.proxy}/v1?address=127.0.0.1:${port}`)).toBe(403);
      expect(await upgradeStatus(`ws://${narrow.proxy}/v1?address=localhost:${port}`)).toBe(101);
    } finally {
      await narrow.close();
    }
  });
});

// 101 when the proxy accepts the upgrade, otherwise the HTTP status it answers with.
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new ws(url);
    socket.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on("open", () => {
      resolve(101);
      socket.close();
    });
    socket.on("error", reject);
  });
}

async function bodies(id: number): Promise<string[]> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const { rows } = await client.query<{ body: string }>("SELECT body FROM notes WHERE id = $1", [id]);
    return rows.map((r) => r.body);
  } finally {
    await client.end();
  }
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
