import { sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type DomainSettings, recentAttemptsOf } from "./dial-context.ts";
import { onlyRow } from "./rows.ts";

// What intake must know before it writes, to schedule a callback at its first lawful moment (so
// the 201 and the dialler agree) and to ask for consent where the domain requires it: the
// domain's hours, cap and consent setting, and the lead's zone and recent calls if the lead is
// known. One statement, read while the rate limits are checked.

export type IntakeContext = {
  /** Null when there is no domain, or it is not the caller's. */
  domain: (DomainSettings & { require_consent: boolean }) | null;
  lead: { timezone: string | null; recent_attempts: string[] } | null;
};

export async function intakeContext(db: Db, owner: { workspaceId: string; mode: "live" | "test" }, domainId: string | null, phone: string): Promise<IntakeContext> {
  const mode = sql`${owner.mode}::mode`;
  const { rows } = await db.execute<IntakeContext>(sql`
    SELECT
      (SELECT jsonb_build_object('timezone', d.timezone, 'business_hours', d.business_hours, 'holidays', to_jsonb(d.holidays),
              'calling_hours_start', d.calling_hours_start, 'calling_hours_end', d.calling_hours_end,
              'daily_attempt_cap', d.daily_attempt_cap, 'require_consent', d.require_consent)
         FROM domains d WHERE d.id = ${domainId}::text AND d.workspace_id = ${owner.workspaceId} AND d.mode = ${mode}) AS domain,
      (SELECT jsonb_build_object('timezone', l.timezone, 'recent_attempts', ${recentAttemptsOf(sql`l.id`)})
         FROM leads l WHERE l.workspace_id = ${owner.workspaceId} AND l.mode = ${mode} AND l.phone = ${phone}) AS lead`);
  return onlyRow(rows, "intakeContext");
}
