import { and, desc, eq, lt, sql } from "drizzle-orm";
import { agents } from "../schema/index.ts";
import type { Agent, UpdateAgent } from "../../schemas/agents.ts";
import { canonicalTimeZone } from "../../schemas/common.ts";
import { newId } from "../../schemas/ids.ts";
import type { Owner } from "../../schemas/scopes.ts";
import { iso } from "./domains.ts";
import type { AnyDb } from "./sealed-secrets.ts";
import { onlyRow } from "./rows.ts";

// Agents on the management API (/v1/agents), the console and `npm run admin -- agent add`: reads
// and writes scoped to a workspace and mode, on either driver. The webhook secret arrives here
// already sealed (functions/lib/agent-webhooks.ts); nothing here reads it back.

export type AgentRow = typeof agents.$inferSelect;

/** An agent's fields as the table names them; absent: the default, or unchanged. */
export type AgentFields = Partial<Omit<AgentRow, "id" | "workspaceId" | "mode" | "lastDialedAt" | "createdAt" | "updatedAt">>;

export type AgentFilters = { active?: boolean; available?: boolean; department?: string; before?: string };

const owned = (owner: Owner) => and(eq(agents.workspaceId, owner.workspaceId), eq(agents.mode, owner.mode));

/** The caller's agent with this id, or null (also for another workspace's or mode's). */
export async function findAgent(db: AnyDb, owner: Owner, id: string): Promise<AgentRow | null> {
  const [row] = await db.select().from(agents).where(and(owned(owner), eq(agents.id, id)));
  return row ?? null;
}

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listAgents(db: AnyDb, owner: Owner, filters: AgentFilters, limit: number): Promise<AgentRow[]> {
  return db
    .select()
    .from(agents)
    .where(
      and(
        owned(owner),
        filters.active === undefined ? undefined : eq(agents.active, filters.active),
        filters.available === undefined ? undefined : eq(agents.available, filters.available),
        filters.department === undefined ? undefined : eq(agents.department, filters.department),
        filters.before ? lt(agents.id, filters.before) : undefined,
      ),
    )
    .orderBy(desc(agents.id))
    .limit(limit + 1);
}

/**
 * Makes an agent. `id` is given by a caller that has sealed a webhook secret for it (the seal is
 * bound to the row's id); otherwise a new one is made.
 */
export async function createAgent(db: AnyDb, owner: Owner, input: AgentFields & { name: string; phone: string; id?: string }): Promise<AgentRow> {
  const row = { ...input, id: input.id ?? newId("agent"), workspaceId: owner.workspaceId, mode: owner.mode };
  return onlyRow(await db.insert(agents).values(row).returning(), "createAgent");
}

/** Changes the fields given and leaves the rest; null when the agent is not the caller's. */
export async function updateAgent(db: AnyDb, owner: Owner, id: string, patch: AgentFields): Promise<AgentRow | null> {
  const [row] = await db
    .update(agents)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(owned(owner), eq(agents.id, id)))
    .returning();
  return row ?? null;
}

/**
 * Stops an agent being rung. The row stays: calls, callbacks and deliveries name it. Deactivating
 * an inactive agent changes nothing (not even updated_at). Null when the agent is not the caller's.
 */
export async function deactivateAgent(db: AnyDb, owner: Owner, id: string): Promise<AgentRow | null> {
  const [row] = await db
    .update(agents)
    .set({ active: false, updatedAt: sql`CASE WHEN ${agents.active} THEN now() ELSE ${agents.updatedAt} END` })
    .where(and(owned(owner), eq(agents.id, id)))
    .returning();
  return row ?? null;
}

/**
 * The fields an UpdateAgent (or CreateAgent) body gives, as the table names them, but the
 * webhook's (its URL is checked and its secret sealed by functions/lib/agent-webhooks.ts). The
 * zone in its canonical spelling; the phone is already E.164. Fields left out stay out.
 */
export function agentFields(body: UpdateAgent): AgentFields {
  const fields: AgentFields = {
    name: body.name,
    phone: body.phone,
    department: body.department,
    active: body.active,
    available: body.available,
    timezone: body.timezone == null ? body.timezone : canonicalTimeZone(body.timezone),
    schedule: body.schedule,
    callbacksPerPhonePerHour: body.callbacks_per_phone_per_hour,
    postCallJson: body.post_call_json,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** An agent as the API shows it (schemas/agents.ts Agent): never its secret. */
export function agentJson(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    department: row.department,
    active: row.active,
    available: row.available,
    timezone: row.timezone,
    schedule: row.schedule,
    callbacks_per_phone_per_hour: row.callbacksPerPhonePerHour,
    webhook_url: row.webhookUrl,
    webhook_secret_set: row.webhookSecret !== null,
    post_call_json: row.postCallJson,
    last_dialed_at: row.lastDialedAt ? iso(row.lastDialedAt) : null,
    mode: row.mode,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}
