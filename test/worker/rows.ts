import { asc, eq } from "drizzle-orm";
import * as schema from "../../db/schema/index.ts";
import { db } from "./fixtures.ts";

// What a workspace has in the database, for tests that check what was (or was not) written.
export async function rowsOf(workspaceId: string) {
  const [leads, formResponses, callbacks, events, callLogs] = await Promise.all([
    db().select().from(schema.leads).where(eq(schema.leads.workspaceId, workspaceId)),
    db().select().from(schema.formResponses).where(eq(schema.formResponses.workspaceId, workspaceId)),
    db().select().from(schema.callbacks).where(eq(schema.callbacks.workspaceId, workspaceId)).orderBy(asc(schema.callbacks.id)),
    db()
      .select({ id: schema.events.id, mode: schema.events.mode, type: schema.events.type, data: schema.events.data, createdAt: schema.events.createdAt })
      .from(schema.events)
      .where(eq(schema.events.workspaceId, workspaceId))
      .orderBy(asc(schema.events.id)),
    db().select().from(schema.callLogs).where(eq(schema.callLogs.workspaceId, workspaceId)),
  ]);
  return { leads, formResponses, callbacks, events, callLogs };
}

/**
 * Every row a request of this workspace could have written, the webhook and do-not-call ones too;
 * with `management`, its agents, domains, keys and signed links as well (which fixtures make before a request).
 */
export async function countWritten(workspaceId: string, options: { management?: boolean } = {}): Promise<number> {
  const r = await rowsOf(workspaceId);
  const tables = [schema.webhookEndpoints, schema.webhookDeliveries, schema.dncNumbers, ...(options.management ? [schema.agents, schema.domains, schema.apiKeys, schema.links] : [])];
  const counts = await Promise.all(tables.map((table) => db().$count(table, eq(table.workspaceId, workspaceId))));
  return r.leads.length + r.formResponses.length + r.callbacks.length + r.events.length + r.callLogs.length + counts.reduce((a, b) => a + b, 0);
}
