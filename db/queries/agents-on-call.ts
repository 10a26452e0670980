import { sql } from "drizzle-orm";
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

/**
 * The active agents of the workspace and mode (or only `agentId`, the callback's own), except
 * those already tried in this attempt, in round-robin order: the one dialled longest ago first.
 */
export async function agentsOnCall(db: Db, owner: { workspaceId: string; mode: "live" | "test" }, agentId: string | null, tried: string[]): Promise<OnCallAgent[]> {
  const { rows } = await db.execute<OnCallAgent>(sql`
    SELECT ag.id, ag.phone, ag.available, ag.timezone, ag.schedule,
           EXISTS (SELECT 1 FROM call_attempts a WHERE a.agent_id = ag.id AND a.status IN ('queued', 'ringing', 'in-progress')
                     AND a.created_at > now() - ${busyFor}) AS busy
    FROM agents ag
    WHERE ag.workspace_id = ${owner.workspaceId} AND ag.mode = ${owner.mode}::mode AND ag.active
      AND (${agentId}::text IS NULL OR ag.id = ${agentId}::text)
      AND NOT (ag.id = ANY(${`{${tried.join(",")}}`}::text[]))
    ORDER BY ag.last_dialed_at ASC NULLS FIRST, ag.id ASC`);
  return rows;
}
