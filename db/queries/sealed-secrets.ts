import { and, asc, eq, gt, isNotNull, or, sql, type AnyColumn } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "../schema/index.ts";
import { agents, webhookEndpoints } from "../schema/index.ts";

// The rows whose secrets are not yet sealed under the current key (plaintext from before sealing,
// or sealed under an older key), and the writes that reseal them. Run by the Worker's cron
// (neon-http) and by the admin CLI (node-postgres), so written for either driver.

export type AnyDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export type EndpointSecrets = { id: string; secret: string; previousSecret: string | null };
export type AgentSecret = { id: string; webhookSecret: string };

// starts_with, not LIKE: a key id may contain _, which LIKE reads as a wildcard.
const notUnder = (column: AnyColumn, prefix: string) => sql`NOT starts_with(${column}, ${prefix})`;

/** Up to `limit` endpoints, by id after `after`, with a secret not sealed under `prefix`. */
export function staleEndpoints(db: AnyDb, prefix: string, after: string, limit: number): Promise<EndpointSecrets[]> {
  const e = webhookEndpoints;
  return db
    .select({ id: e.id, secret: e.secret, previousSecret: e.previousSecret })
    .from(e)
    .where(and(gt(e.id, after), or(notUnder(e.secret, prefix), and(isNotNull(e.previousSecret), notUnder(e.previousSecret, prefix)))))
    .orderBy(asc(e.id))
    .limit(limit);
}

/** Up to `limit` agents, by id after `after`, with a webhook secret not sealed under `prefix`. */
export async function staleAgents(db: AnyDb, prefix: string, after: string, limit: number): Promise<AgentSecret[]> {
  const rows = await db
    .select({ id: agents.id, webhookSecret: agents.webhookSecret })
    .from(agents)
    .where(and(gt(agents.id, after), isNotNull(agents.webhookSecret), notUnder(agents.webhookSecret, prefix)))
    .orderBy(asc(agents.id))
    .limit(limit);
  return rows.filter((row): row is AgentSecret => row.webhookSecret !== null);
}

/**
 * Writes resealed secrets, each only where the row still holds what was read (a rotation that
 * came in between wins, and is sealed already). One statement; the ids written.
 */
export async function replaceEndpointSecrets(db: AnyDb, rows: { was: EndpointSecrets; now: EndpointSecrets }[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const e = webhookEndpoints;
  const values = rows.map(({ was, now }) => ({ id: was.id, was_secret: was.secret, was_previous: was.previousSecret, secret: now.secret, previous: now.previousSecret }));
  const written = await db
    .update(e)
    .set({ secret: sql`r.secret`, previousSecret: sql`r.previous` })
    .from(sql`jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS r(id text, was_secret text, was_previous text, secret text, previous text)`)
    .where(and(eq(e.id, sql`r.id`), eq(e.secret, sql`r.was_secret`), sql`${e.previousSecret} IS NOT DISTINCT FROM r.was_previous`))
    .returning({ id: e.id });
  return written.map((row) => row.id);
}

/** As replaceEndpointSecrets, for agents' post-call webhook secrets. */
export async function replaceAgentSecrets(db: AnyDb, rows: { was: AgentSecret; now: AgentSecret }[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const values = rows.map(({ was, now }) => ({ id: was.id, was_secret: was.webhookSecret, secret: now.webhookSecret }));
  const written = await db
    .update(agents)
    .set({ webhookSecret: sql`r.secret` })
    .from(sql`jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS r(id text, was_secret text, secret text)`)
    .where(and(eq(agents.id, sql`r.id`), eq(agents.webhookSecret, sql`r.was_secret`)))
    .returning({ id: agents.id });
  return written.map((row) => row.id);
}
