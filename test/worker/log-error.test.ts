import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { workspaces } from "../../db/schema/index.ts";
import { loggable } from "../../functions/lib/log-error.ts";
import { db, makeWorkspace } from "./fixtures.ts";

// A failed statement's error as the log shows it (functions/lib/log-error.ts): the errors here are
// PostgreSQL's own, through the Worker's driver, with a lead's email among the parameters.

const email = "ada.lovelace@example.com";
const failure = (query: Promise<unknown>) => query.then(() => expect.unreachable("PostgreSQL took it"), (err: unknown) => err);

describe("a failed statement in the log", () => {
  it("names the query, its SQLSTATE and the driver's error, but not the parameters", async () => {
    const err = await failure(db().execute(sql`select ${email}::integer`));
    // drizzle's own message carries the parameters: what the log must not.
    expect(String(err)).toContain(email);

    const logged = loggable(err);
    expect(logged).toMatch(/^DrizzleQueryError: Failed query: select \$1::integer\n/);
    expect(logged).toMatch(/\ncaused by: NeonDbError: invalid input syntax for type integer: "…" \[SQLSTATE 22P02, routine \w+\]/);
    expect(logged).toMatch(/\n\s+at /);
    expect(logged).not.toContain("ada.lovelace");
    expect(logged).not.toContain("params:");
  });

  it("leaves out PostgreSQL's detail, which quotes the values too", async () => {
    const { id } = await makeWorkspace();
    const err = await failure(db().insert(workspaces).values({ id, name: email, plan: "free" }));
    expect(err).toMatchObject({ cause: { code: "23505", detail: expect.stringContaining(id) } });

    const logged = loggable(err);
    expect(logged).toMatch(/caused by: NeonDbError: duplicate key value violates unique constraint "\w+" \[SQLSTATE 23505/);
    expect(logged).toContain('insert into "workspaces"');
    expect(logged).not.toContain(email);
    expect(logged).not.toContain(id);
  });

  it("shows an error that is not the database's as its name, message and frames", () => {
    expect(loggable(new TypeError("x is not a function"))).toMatch(/^TypeError: x is not a function\n\s+at /);
    expect(loggable("a string")).toBe("a string");
  });
});
