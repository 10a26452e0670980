// The Neon `POST /sql` stand-in, driven by the real HTTP driver (`neon()`) and drizzle-orm/neon-http
// against a throwaway database.
import { randomBytes } from "node:crypto";
import { NeonDbError, neon, neonConfig, type NeonQueryFunction } from "@neondatabase/serverless";
import { eq, sql as dsql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { bigint, bigserial, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startNeonSql, type NeonSqlServer } from "../../dev/neon-sql.ts";

// A throwaway database on the server this test run uses (local, or embedded).
const pgServer = new URL(inject("stack").databaseUrl);
const on = (name: string) => Object.assign(new URL(pgServer), { pathname: `/${name}` }).toString();
const ADMIN_URL = on("postgres");
const database = `rb_devtest_${randomBytes(6).toString("hex")}`;
const databaseUrl = on(database);

const items = pgTable("items", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  name: text("name").notNull().unique(),
  tags: text("tags").array().notNull().default(dsql`'{}'`),
  meta: jsonb("meta").$type<Record<string, unknown>>(),
  big: bigint("big", { mode: "bigint" }),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

let server: NeonSqlServer;
let sql: NeonQueryFunction<false, false>;
let db: NeonHttpDatabase;

beforeAll(async () => {
  await admin(`CREATE DATABASE ${database}`);
  server = await startNeonSql({ port: 0 });
  neonConfig.fetchEndpoint = server.url;
  sql = neon(databaseUrl);
  db = drizzle({ client: sql });
  await sql.query(`CREATE TABLE items (
    id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, tags text[] NOT NULL DEFAULT '{}',
    meta jsonb, big bigint, at timestamptz NOT NULL DEFAULT now())`);
});

afterAll(async () => {
  await server?.close();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

describe("neon() through the stand-in", () => {
  it("runs a query with parameters", async () => {
    expect(await sql`SELECT ${41}::int + 1 AS answer, ${"ü✓"} AS word`).toEqual([{ answer: 42, word: "ü✓" }]);
  });

  it("round-trips arrays, json, timestamptz, bigint, bytea and null as the driver parses them", async () => {
    const at = new Date("2026-11-21T10:11:12.345Z");
    const bytes = Buffer.from([0, 1, 127, 128, 255]);
    const [row] = await sql`SELECT ${[1, 2, 3]}::int[] AS ints, ${["a b", "c,d", 'e"f']}::text[] AS texts,
      ${JSON.stringify({ a: [1, "ü"], b: null })}::jsonb AS doc, ${at}::timestamptz AS at,
      ${"9007199254740993"}::bigint AS big, ${bytes}::bytea AS bytes, NULL::text AS nothing`;
    // drizzle-orm/neon-http's constructor switches the driver's date parsers off process-wide, so
    // `at` is a Date or Postgres's text depending on whether a drizzle client exists yet.
    expect(new Date(row?.at as string | Date)).toEqual(at);
    expect(row).toEqual({
      ints: [1, 2, 3],
      texts: ["a b", "c,d", 'e"f'],
      doc: { a: [1, "ü"], b: null },
      at: row?.at,
      big: "9007199254740993",
      bytes,
      nothing: null,
    });
  });

  it("returns full results with fields the driver can read", async () => {
    const result = await sql.query("SELECT 1::int AS one, 'x'::text AS x", [], { fullResults: true, arrayMode: true });
    expect(result.command).toBe("SELECT");
    expect(result.rowCount).toBe(1);
    expect(result.rows).toEqual([[1, "x"]]);
    expect(result.fields.map((f) => [f.name, f.dataTypeID, f.format])).toEqual([
      ["one", 23, "text"],
      ["x", 25, "text"],
    ]);
  });

  it("surfaces a SQL error as NeonDbError with Postgres's fields", async () => {
    const error = await sql`SELECT * FROM no_such_table`.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: "42P01", severity: "ERROR", message: 'relation "no_such_table" does not exist' });
    expect(Number((error as NeonDbError).position)).toBeGreaterThan(0);
  });

  it("refuses several statements in one query, as Neon does", async () => {
    await expect(sql.query("SELECT 1; SELECT 2")).rejects.toMatchObject({ code: "42601" });
  });

  it("applies the transaction options of sql.transaction()", async () => {
    const [level] = await sql.transaction([sql`SELECT current_setting('transaction_isolation') AS level`], {
      isolationLevel: "Serializable",
      readOnly: true,
    });
    expect(level).toEqual([{ level: "serializable" }]);
    const write = sql.transaction([sql`INSERT INTO items (name) VALUES ('read-only')`], { readOnly: true });
    await expect(write).rejects.toMatchObject({ code: "25006" });
  });

  it("refuses a database host outside the allow-list", async () => {
    const remote = neon("postgres://postgres@db.example.com:5432/neondb");
    await expect(remote`SELECT 1`).rejects.toThrow(/HTTP status 403/);
  });
});

describe("drizzle-orm/neon-http through the stand-in", () => {
  it("inserts with parameters and selects typed rows back", async () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    const [inserted] = await db
      .insert(items)
      .values({ name: "first", tags: ["x", "y z"], meta: { n: 1, s: "ü" }, big: 2n ** 62n, at })
      .returning();
    const [selected] = await db.select().from(items).where(eq(items.name, "first"));
    expect(selected).toEqual(inserted);
    expect(selected).toMatchObject({ tags: ["x", "y z"], meta: { n: 1, s: "ü" }, big: 2n ** 62n, at });
  });

  it("wraps a failing query's driver error in DrizzleQueryError", async () => {
    await db.insert(items).values({ name: "once" });
    const error = await db.insert(items).values({ name: "once" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrizzleQueryError);
    expect((error as DrizzleQueryError).cause).toBeInstanceOf(NeonDbError);
    expect((error as DrizzleQueryError).cause).toMatchObject({ code: "23505", detail: "Key (name)=(once) already exists." });
  });

  it("commits a batch together", async () => {
    await db.batch([db.insert(items).values({ name: "batch-a" }), db.insert(items).values({ name: "batch-b" })]);
    const names = await db.select({ name: items.name }).from(items).where(dsql`${items.name} LIKE 'batch-%'`);
    expect(names.map((r) => r.name).sort()).toEqual(["batch-a", "batch-b"]);
  });

  it("rolls a failing batch back as a whole and reports the driver's error", async () => {
    await db.insert(items).values({ name: "taken" });
    const error = await db
      .batch([db.insert(items).values({ name: "rolled-back" }), db.insert(items).values({ name: "taken" })])
      .catch((e: unknown) => e);
    // db.batch() passes the driver's error through; single queries wrap it in DrizzleQueryError.
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: "23505", constraint: "items_name_key" });
    expect(await db.select().from(items).where(eq(items.name, "rolled-back"))).toEqual([]);
  });
});

describe("the HTTP surface", () => {
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(server.url, { method: "POST", headers, body: JSON.stringify(body) });

  it("answers a query with Neon's result shape, values as Postgres text", async () => {
    const res = await post(
      { "Neon-Connection-String": databaseUrl, "Neon-Raw-Text-Output": "true", "Neon-Array-Mode": "true" },
      { query: "SELECT $1::int AS n, true AS t, '{1,2}'::int[] AS a", params: ["7"] },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      command: "SELECT",
      rowCount: 1,
      rows: [["7", "t", "{1,2}"]],
      rowAsArray: true,
      fields: [
        { name: "n", dataTypeID: 23, tableID: 0, columnID: 0, dataTypeSize: 4, dataTypeModifier: -1, format: "text" },
        { name: "t", dataTypeID: 16 },
        { name: "a", dataTypeID: 1007 },
      ],
    });
  });

  it("answers 400 to a request without a connection string and to a bad isolation level", async () => {
    expect((await post({}, { query: "SELECT 1", params: [] })).status).toBe(400);
    const res = await post(
      { "Neon-Connection-String": databaseUrl, "Neon-Batch-Isolation-Level": "Chaotic" },
      { queries: [{ query: "SELECT 1", params: [] }] },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "unknown Neon-Batch-Isolation-Level: Chaotic" });
  });

  it("answers CORS preflights from loopback pages only", async () => {
    const preflight = (origin: string) =>
      fetch(server.url, {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "neon-connection-string" },
      });
    const local = await preflight("http://localhost:5173");
    expect(local.status).toBe(204);
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(local.headers.get("access-control-allow-headers")).toBe("neon-connection-string");
    const remote = await preflight("https://evil.example");
    expect(remote.headers.get("access-control-allow-origin")).toBeNull();
  });
});

async function admin(statement: string): Promise<void> {
  const client = new pg.Client(ADMIN_URL);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
