import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { isoSql } from "./resources.ts";

// Dial decisions and consent records. A decision is written by the same statement as the state
// change it decided (a leg placed, a claim released, a callback blocked), from that statement's
// rows, so there is never one without the other. Decisions are chained per lead: each row holds
// the previous row's hash, and its own hash is sha256(previous hash + "\n" + record), computed
// by PostgreSQL as the row goes in; the lead row keeps the chain's head (its last seq and hash).
// A lock on the lead, taken first in the same batch, keeps two decisions about one lead from
// reading the same head.

export type NewDecision = {
  id: string;
  workspaceId: string;
  mode: "live" | "test";
  leadId: string;
  callbackId: string;
  outcome: "dialled" | "held" | "blocked";
  /** The decision as JSON text, exactly as it is hashed and kept. */
  record: string;
};

/** Serialises decisions about one lead; the first statement of the batch that writes one. */
export const lockLeadDecisions = (db: Db, leadId: string) => db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`dial_decisions:${leadId}`}, 0))`);

/**
 * A CTE (`decision`) that appends `d` to its lead's chain once for each row of `source` (a CTE
 * of the same statement, e.g. the leg it placed): none if the change did not happen.
 */
export function decisionCte(d: NewDecision, source: string): SQL {
  const from = sql.raw(source);
  return sql`prev_decision AS (
    SELECT decision_seq AS seq, decision_head AS hash FROM leads WHERE id = ${d.leadId}
  ), decision AS (
    INSERT INTO dial_decisions (id, workspace_id, mode, lead_id, callback_id, seq, outcome, record, prev_hash, hash)
    SELECT ${d.id}, ${d.workspaceId}, ${d.mode}::mode, ${d.leadId}, ${d.callbackId}, p.seq + 1, ${d.outcome}, ${d.record}, p.hash,
           encode(sha256(convert_to(coalesce(p.hash, '') || chr(10) || ${d.record}, 'UTF8')), 'hex')
    FROM ${from}, prev_decision p LIMIT 1
    RETURNING seq, hash
  ), decision_head AS (
    UPDATE leads SET decision_seq = d.seq, decision_head = d.hash FROM decision d WHERE leads.id = ${d.leadId}
  )`;
}

export type StoredDecision = { id: string; seq: number; outcome: string; record: string; prev_hash: string | null; hash: string; created_at: string };
export type StoredConsent = {
  id: string;
  source: string;
  source_id: string | null;
  text: string;
  text_sha256: string;
  version: string | null;
  checked: boolean;
  page_url: string | null;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
};

/** What the compliance export shows of one lead. */
export type LeadCompliance = {
  id: string;
  phone: string;
  decision_seq: number;
  decision_head: string | null;
  opted_out: boolean;
  opted_out_at: string | null;
  dnc: { reason: string | null; since: string } | null;
  consents: StoredConsent[];
  decisions: StoredDecision[];
};

/** Everything the compliance export shows for one lead of the caller's, or null if it is not theirs. */
export async function complianceOf(db: Db, owner: { workspaceId: string; mode: "live" | "test" }, leadId: string): Promise<LeadCompliance | null> {
  const { rows } = await db.execute<LeadCompliance>(sql`
    SELECT l.id, l.phone, l.opted_out, ${isoSql(sql`l.opted_out_at`)} AS opted_out_at, l.decision_seq, l.decision_head,
      (SELECT jsonb_build_object('reason', n.reason, 'since', ${isoSql(sql`n.created_at`)}) FROM dnc_numbers n
        WHERE n.workspace_id = l.workspace_id AND n.mode = l.mode AND n.phone = l.phone) AS dnc,
      (SELECT coalesce(jsonb_agg(jsonb_build_object(
          'id', k.id, 'source', k.source, 'source_id', k.source_id, 'text', k.text, 'text_sha256', k.text_sha256,
          'version', k.version, 'checked', k.checked, 'page_url', k.page_url, 'ip_address', k.ip_address,
          'user_agent', k.user_agent, 'created_at', ${isoSql(sql`k.created_at`)}) ORDER BY k.created_at, k.id), '[]'::jsonb)
        FROM consents k WHERE k.lead_id = l.id) AS consents,
      (SELECT coalesce(jsonb_agg(jsonb_build_object(
          'id', d.id, 'seq', d.seq, 'outcome', d.outcome, 'record', d.record, 'prev_hash', d.prev_hash, 'hash', d.hash,
          'created_at', ${isoSql(sql`d.created_at`)}) ORDER BY d.seq), '[]'::jsonb)
        FROM dial_decisions d WHERE d.lead_id = l.id) AS decisions
    FROM leads l WHERE l.id = ${leadId} AND l.workspace_id = ${owner.workspaceId} AND l.mode = ${owner.mode}::mode`);
  return rows[0] ?? null;
}
