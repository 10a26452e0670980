import { complianceOf } from "../../db/queries/compliance.ts";
import { verifyChain } from "../compliance/chain.ts";
import { isoSeconds } from "../lib/zoned-time.ts";
import { leads } from "../routes/resources.ts";
import { ComplianceExport, DialDecision } from "../../schemas/compliance.ts";

export const leadCompliance = leads.get(
  {
    action: "compliance",
    summary: "Export a lead's compliance record",
    description:
      "Secret keys with leads:read. Everything that shows a lead was called lawfully: its consent records (verbatim text, " +
      "sha256, version, page, IP address and user agent), its opt-out and do-not-call status, and every dial decision " +
      "(dialled, held, blocked) with the lead's local time, the zones and where they came from, the rule and rulebook " +
      "version, the do-not-call check, the calls in the last 24 hours and the consent relied on. The decisions are a hash " +
      "chain: chain.valid is false, with broken_at and problem, if any record was changed, removed or reordered.",
    returns: "The lead's compliance record",
    schema: ComplianceExport,
  },
  complianceOf,
  async (lead) => ({
    lead_id: lead.id,
    phone: lead.phone,
    exported_at: isoSeconds(new Date()),
    opt_out: { opted_out: lead.opted_out, opted_out_at: lead.opted_out_at },
    dnc: { listed: lead.dnc !== null, reason: lead.dnc?.reason ?? null, since: lead.dnc?.since ?? null },
    consents: lead.consents,
    decisions: lead.decisions.map((d) => ({
      id: d.id,
      seq: d.seq,
      recorded_at: d.created_at,
      record: d.record,
      decision: parsedRecord(d.record),
      prev_hash: d.prev_hash,
      hash: d.hash,
    })),
    chain: await verifyChain(lead.decisions, { seq: lead.decision_seq, hash: lead.decision_head }),
  }),
);

// A record that was tampered with may no longer be JSON, or no longer a decision; the export
// still shows its text, and the chain says it was changed.
function parsedRecord(record: string) {
  try {
    const parsed = DialDecision.safeParse(JSON.parse(record));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
