import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type DomainSettings, recentAttemptsOf } from "./dial-context.ts";
import { onlyRow } from "./rows.ts";

// What intake must know before it writes, to schedule a callback at its first lawful moment (so
// the 201 and the dialler agree) and to ask for consent where the domain requires it: the
// domain's hours, cap, consent setting and country, the lead's zone and recent calls if the lead
// is known, and the workspace's zone and calling hours.
//
// The write (intake.ts) reads the same three values again, with the same expressions, in its own
// snapshot, and writes only if they are what the decision was made on. So the decision can be
// made on a value remembered from an earlier request (functions/intake/domain-cache.ts) without
// a read of its own: a remembered value that has changed costs a second write attempt, never a
// decision made on stale facts.

export type DomainContext = DomainSettings & { require_consent: boolean; default_country: string | null };
export type LeadContext = { timezone: string | null; recent_attempts: string[] };
export type WorkspaceContext = { timezone: string | null; calling_hours_start: string | null; calling_hours_end: string | null };

export type IntakeContext = {
  /** Null when there is no domain, or it is not the caller's. */
  domain: DomainContext | null;
  /** Null when no lead has this phone yet. */
  lead: LeadContext | null;
  workspace: WorkspaceContext;
};

type Owner = { workspaceId: string; mode: "live" | "test" };

export const domainContextOf = (owner: Owner, domainId: string | null): SQL => sql`(SELECT jsonb_build_object(
    'timezone', d.timezone, 'business_hours', d.business_hours, 'holidays', to_jsonb(d.holidays),
    'calling_hours_start', d.calling_hours_start, 'calling_hours_end', d.calling_hours_end,
    'daily_attempt_cap', d.daily_attempt_cap, 'require_consent', d.require_consent, 'default_country', d.default_country)
  FROM domains d WHERE d.id = ${domainId}::text AND d.workspace_id = ${owner.workspaceId} AND d.mode = ${owner.mode}::mode)`;

export const leadContextOf = (owner: Owner, phone: string): SQL => sql`(SELECT jsonb_build_object('timezone', l.timezone, 'recent_attempts', ${recentAttemptsOf(sql`l.id`)})
  FROM leads l WHERE l.workspace_id = ${owner.workspaceId} AND l.mode = ${owner.mode}::mode AND l.phone = ${phone})`;

export const workspaceContextOf = (owner: Owner): SQL => sql`(SELECT jsonb_build_object('timezone', w.timezone,
    'calling_hours_start', w.calling_hours_start, 'calling_hours_end', w.calling_hours_end)
  FROM workspaces w WHERE w.id = ${owner.workspaceId})`;

export async function intakeContext(db: Db, owner: Owner, domainId: string | null, phone: string): Promise<IntakeContext> {
  const { rows } = await db.execute<IntakeContext>(sql`
    SELECT ${domainContextOf(owner, domainId)} AS domain, ${leadContextOf(owner, phone)} AS lead, ${workspaceContextOf(owner)} AS workspace`);
  return onlyRow(rows, "intakeContext");
}
