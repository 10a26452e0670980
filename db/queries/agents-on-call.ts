import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { BusinessHours } from "../schema/domains.ts";

/** An active agent who may take a callback, as the dialler weighs them. */
export type OnCallAgent = {
  id: string;
  phone: string;
  available: boolean;
  timezone: string | null;
  schedule: BusinessHours | null;
  /** On a call now: an attempt of theirs still queued, ringing or talking. */
  busy: boolean;
};

// A call that never reported its end (a lost status, a crashed process) must not keep its agent
// busy for ever; the cron's recovery settles such calls within the hour.
const busyFor = sql`interval '2 hours'`;

/** Whether the agent `agentId` names is on a call: an attempt of theirs queued, ringing or talking. */
export const onACall = (agentId: SQL) => sql`EXISTS (
  SELECT 1 FROM call_attempts x WHERE x.agent_id = ${agentId} AND x.status IN ('queued', 'ringing', 'in-progress')
    AND x.created_at > now() - ${busyFor})`;

/**
 * Serialises the calls placed to one agent (the first statement of the batch that places one), so
 * two dialers cannot both find them free and ring them at once.
 */
export function lockAgent(db: Db, agentId: string | null) {
  return db.execute(agentId ? sql`SELECT pg_advisory_xact_lock(hashtext(${`ringback:agent:${agentId}`}))` : sql`SELECT 1`);
}

/**
 * The active agents of the workspace and mode (or only `agentId`, the callback's own), except
 * those already tried in this attempt, in round-robin order: the one dialled longest ago first.
 */
export async function agentsOnCall(db: Db, owner: { workspaceId: string; mode: "live" | "test" }, agentId: string | null, tried: string[]): Promise<OnCallAgent[]> {
  const { rows } = await db.execute<OnCallAgent>(sql`
    SELECT ag.id, ag.phone, ag.available, ag.timezone, ag.schedule,
           ${onACall(sql`ag.id`)} AS busy
    FROM agents ag
    WHERE ag.workspace_id = ${owner.workspaceId} AND ag.mode = ${owner.mode}::mode AND ag.active
      AND (${agentId}::text IS NULL OR ag.id = ${agentId}::text)
      AND NOT (ag.id = ANY(${`{${tried.join(",")}}`}::text[]))
    ORDER BY ag.last_dialed_at ASC NULLS FIRST, ag.id ASC`);
  return rows;
}

export async function agentOnACall(db: Db, agentId: string): Promise<boolean> {
  const { rows } = await db.execute<{ busy: boolean }>(sql`SELECT ${onACall(sql`${agentId}::text`)} AS busy`);
  return rows[0]?.busy === true;
}
