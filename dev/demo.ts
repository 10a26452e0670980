import { drizzle } from "drizzle-orm/node-postgres";
import { eq } from "drizzle-orm";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import pg from "pg";
import * as schema from "../db/schema/index.ts";
import { addAgent, addDomain, createWorkspace } from "../admin/commands.ts";

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
export async function ensureDemo(databaseUrl: string, file: string): Promise<{ demo: Demo; created: boolean }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const db = drizzle(pool, { schema });
  try {
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, "utf8")) as Demo;
      const [row] = await db.select().from(schema.workspaces).where(eq(schema.workspaces.id, saved.workspace_id));
      if (row) return { demo: saved, created: false };
    }
    // The demo business is in New York: its zone places leads whose numbers place nobody.
    const made = await createWorkspace(db, { name: "Demo", plan: "free", timezone: "America/New_York" });
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
    return { demo, created: true };
  } finally {
    await pool.end();
  }
}
