import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { NeonDbError } from "@neondatabase/serverless";
import { DrizzleQueryError, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index.ts";
import type { Bindings } from "../../functions/env.ts";
import { httpDb } from "../../db/client.ts";
import { databaseFailure } from "../../functions/lib/db-errors.ts";
import type { ScriptedResponse } from "../setup/webhook-types.ts";
import { db, incoming, testEnv } from "./fixtures.ts";
import { countWritten } from "./rows.ts";
import { expectRefusal, fixture, routes } from "./route-families.ts";
import { receiver } from "./webhooks-helpers.ts";

// A database that cannot be reached is a 503 with Retry-After, in each route's own error shape,
// and writes nothing; a database that refuses a statement for being wrong is still a 500.

const bindings = env as unknown as Bindings;

/** Sends a request to the Worker with its SQL endpoint elsewhere. */
async function withSqlEndpoint(endpoint: string, path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(incoming(path, init), { ...bindings, NEON_SQL_ENDPOINT: endpoint } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("the database is unreachable (connection refused)", () => {
  it.each(routes.map((route) => [route.name, route] as const))("%s: 503 with Retry-After, in its own shape, nothing written", async (_name, route) => {
    const f = await fixture();
    const [path, init] = route.request(f);
    const before = await countWritten(f.workspaceId, { management: true });
    const res = await withSqlEndpoint("http://127.0.0.1:9/sql", path, init);
    await expectRefusal(res, route.dialect, 503);
    expect(res.headers.get("retry-after")).toBe("10");
    expect(await countWritten(f.workspaceId, { management: true })).toBe(before);
  });

  it("says nothing about the database's address or the driver", async () => {
    const f = await fixture();
    const res = await withSqlEndpoint("http://127.0.0.1:9/sql", "/v1/me", { headers: { Authorization: `Bearer ${f.key}` } });
    const text = await res.text();
    expect(text).not.toMatch(/127\.0\.0\.1|postgres|Neon|fetch|connect/i);
  });
});

// The first route of each error shape: the native API's and the four seeds'.
const oneOfEachShape = routes.filter((route, i) => routes.findIndex((r) => r.dialect === route.dialect) === i);

// The SQL endpoint answering as Neon's does when something is wrong: a webhook-lab receiver
// scripted with the answer (the driver posts each statement to it).
const neonError = (fields: Record<string, string>): ScriptedResponse => ({
  status: 400,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ message: "error", severity: "ERROR", ...fields }),
});

describe.each([
  ["the SQL endpoint's gateway fails (502)", { status: 502, body: "Bad Gateway" }, 503],
  ["Neon cannot wake the compute (500)", { status: 500, body: '{"message":"Couldn\'t connect to compute node"}' }, 503],
  ["the server is shutting down (57P01)", neonError({ code: "57P01", message: "terminating connection due to administrator command" }), 503],
  ["the server is starting up (57P03)", neonError({ code: "57P03", message: "the database system is starting up" }), 503],
  ["the connection failed (08006)", neonError({ code: "08006", message: "connection failure" }), 503],
  ["no connection slots are left (53300)", neonError({ code: "53300", message: "sorry, too many clients already" }), 503],
  ["a transaction lost to a concurrent one (40001)", neonError({ code: "40001", message: "could not serialize access due to concurrent update" }), 503],
  ["a transaction was chosen to break a deadlock (40P01)", neonError({ code: "40P01", message: "deadlock detected" }), 503],
  ["a statement came with the wrong number of parameters (08P01: a bug, though class 08)", neonError({ code: "08P01", message: 'bind message supplies 1 parameters, but prepared statement "" requires 2' }), 500],
  ["a column does not exist (42703: a bug)", neonError({ code: "42703", message: 'column "x" does not exist' }), 500],
  ["a statement timed out (57014: a slow query is a bug, not an outage)", neonError({ code: "57014", message: "canceling statement due to statement timeout" }), 500],
  ["bad input syntax that is not about text (22P02)", neonError({ code: "22P02", message: 'invalid input syntax for type integer: "x"' }), 500],
  ["the result is too large (507)", { status: 507, body: '{"message":"response is too large"}' }, 500],
  ["a NUL reached a text column (22021)", neonError({ code: "22021", message: 'invalid byte sequence for encoding "UTF8": 0x00' }), 400],
  ["a \\u0000 reached a jsonb column (22P05)", neonError({ code: "22P05", message: "unsupported Unicode escape sequence" }), 400],
  ["a lone surrogate reached a jsonb column (22P02)", neonError({ code: "22P02", message: "invalid input syntax for type json", detail: "Unicode low surrogate must follow a high surrogate." }), 400],
] as const)("when %s", (_name, answer, status) => {
  it.each(oneOfEachShape.map((r) => [r.name, r] as const))(`%s answers ${status} in its own shape`, async (_route, route) => {
    const f = await fixture();
    const sqlEndpoint = await receiver({ responses: [answer, answer, answer] });
    const [path, init] = route.request(f);
    const res = await withSqlEndpoint(sqlEndpoint.url, path, init);
    const body = await expectRefusal(res, route.dialect, status);
    expect(res.headers.get("retry-after")).toBe(status === 503 ? "10" : null);
    expect(JSON.stringify(body)).not.toMatch(/0x00|byte sequence|low surrogate|column|compute|Gateway|serialize|deadlock|bind message|\b(22021|22P0[25]|42703|57014|40001|40P01|08P01)\b/);
  });
});

describe("how PostgreSQL's own refusals are read", () => {
  const refusal = (query: Parameters<ReturnType<typeof db>["execute"]>[0]) => db().execute(query).then(() => expect.unreachable("PostgreSQL took it"), (err: unknown) => err);

  it.each([
    ["a NUL in text", sql`select ${"a\u0000b"}::text`],
    ["a \\u0000 in jsonb", sql`select ${JSON.stringify({ a: "a\u0000b" })}::jsonb`],
    ["a lone surrogate in jsonb", sql`select ${'{"a":"\\ud800"}'}::jsonb`],
  ])("%s is text that cannot be stored", async (_name, query) => {
    expect(databaseFailure(await refusal(query))).toBe("unstorable_text");
  });

  it.each([
    ["a missing column", sql`select no_such_column`],
    ["a malformed number", sql`select ${"x"}::integer`],
    ["a malformed json", sql`select ${"{"}::jsonb`],
    // The protocol violation 08P01 ("bind message supplies 1 parameters, but … requires 2").
    ["a statement with fewer parameters than placeholders", sql`select ${"a"}::text, $2::text`],
  ])("%s is a bug, not an outage", async (_name, query) => {
    expect(databaseFailure(await refusal(query))).toBeNull();
  });

  it("a refused connection is an outage", async () => {
    const err = await httpDb({ ...testEnv(), NEON_SQL_ENDPOINT: "http://127.0.0.1:9/sql" })
      .execute(sql`select 1`)
      .then(() => expect.unreachable("nothing listens there"), (e: unknown) => e);
    expect(databaseFailure(err)).toBe("outage");
  });

  it("the Worker's subrequest limit is a bug, not an outage, though the driver's fetch failed", () => {
    // As the Neon HTTP driver reports a fetch that throws, wrapped as drizzle wraps it.
    const limit = new Error("Too many subrequests.");
    const failed = Object.assign(new NeonDbError(`Error connecting to database: ${limit}`), { sourceError: limit });
    expect(databaseFailure(new DrizzleQueryError("select 1", [], failed))).toBeNull();
    const refused = new TypeError("fetch failed");
    const down = Object.assign(new NeonDbError(`Error connecting to database: ${refused}`), { sourceError: refused });
    expect(databaseFailure(new DrizzleQueryError("select 1", [], down))).toBe("outage");
  });

  it("an error that is not the database's is nobody's", () => {
    expect(databaseFailure(new TypeError("x is not a function"))).toBeNull();
    expect(databaseFailure("a string")).toBeNull();
  });
});
