import { drizzle } from "drizzle-orm/node-postgres";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import pg from "pg";
import * as schema from "../db/schema/index.ts";
import { addAgent, addDomain, createWorkspace, listAll, type Plan } from "../admin/commands.ts";
import { resetDemoLogin } from "../admin/users.ts";

export type Demo = {
  workspace_id: string;
  live_key: string;
  test_key: string;
  test_domain_id: string;
  test_widget_key: string;
  test_agent_id: string;
};

/**
 * The demo workspace `npm run dev` prints. Its keys are kept in `.data/demo.json` (git-ignored,
 * this machine only) because the database stores only their hashes; a second run reuses them.
 */
export async function ensureDemo(databaseUrl: string, file: string): Promise<{ demo: Demo; created: boolean; plan: { plan: Plan; limits: string } }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const db = drizzle(pool, { schema });
  const planOf = (w: { plan: Plan; requests_per_hour: number | null; callbacks_per_phone_per_hour: number | null }) => {
    const own = [w.requests_per_hour === null ? "" : `${w.requests_per_hour} requests an hour`, w.callbacks_per_phone_per_hour === null ? "" : `${w.callbacks_per_phone_per_hour} callbacks a phone an hour`].filter(Boolean);
    return { plan: w.plan, limits: own.length ? `, with limits of its own: ${own.join(", ")}` : "" };
  };
  try {
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, "utf8")) as Demo;
      // Reused as it is: its plan is whatever it was given, by an earlier run or by the user.
      const [row] = (await listAll(db, saved.workspace_id)).workspaces;
      if (row) return { demo: saved, created: false, plan: planOf(row) };
    }
    // The demo business is in New York: its zone places leads whose numbers place nobody. Its plan
    // and per-phone limit leave room to try every seed's examples, which all use one number.
    const made = await createWorkspace(db, { name: "Demo", plan: "enterprise", callbacksPerPhonePerHour: demoCallbacksPerPhonePerHour, timezone: "America/New_York" });
    const ids = { workspaceId: made.workspace.id, mode: "test" as const };
    const domain = await addDomain(db, { ...ids, name: "demo.example", timezone: "America/New_York", country: "US" });
    const agent = await addAgent(db, { ...ids, name: "Demo Agent", phone: "+14155550100", department: "Sales" });
    const demo: Demo = {
      workspace_id: made.workspace.id,
      live_key: made.keys.live.key,
      test_key: made.keys.test.key,
      test_domain_id: domain.id,
      test_widget_key: domain.widget_key,
      test_agent_id: agent.id,
    };
    writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
    return { demo, created: true, plan: planOf(made.workspace) };
  } finally {
    await pool.end();
  }
}

const demoCallbacksPerPhonePerHour = 1000;
export const demoEmail = "demo@ringback.test";

/**
 * The console's demo login: owner of the demo workspace, with a password made for this run. It
 * is printed and kept nowhere (the database holds its hash), so each start has a new one.
 */
export async function demoLogin(databaseUrl: string, workspaceId: string): Promise<{ email: string; password: string }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    return await resetDemoLogin(drizzle(pool, { schema }), { email: demoEmail, workspaceId });
  } finally {
    await pool.end();
  }
}
