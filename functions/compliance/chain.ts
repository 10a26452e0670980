import type { StoredDecision } from "../../db/queries/compliance.ts";
import { hashKey } from "../lib/keys.ts";

// Checks a lead's chain of dial decisions as anyone holding the export can: each record's hash
// is sha256(previous hash + "\n" + record) in lower-case hex, the first record's previous hash is
// empty, the records number 1, 2, 3… with none missing, and the last is the head the lead row
// keeps (so a record removed from the end shows too). It shows edits; it cannot stop someone
// who can write the database from rewriting every record and the head together.

export type ChainCheck = { valid: boolean; length: number; head: string | null; broken_at: number | null; problem: string | null };

export async function verifyChain(decisions: readonly StoredDecision[], head: { seq: number; hash: string | null }): Promise<ChainCheck> {
  let previous: string | null = null;
  for (const [index, decision] of decisions.entries()) {
    const broken = (problem: string): ChainCheck => ({ valid: false, length: decisions.length, head: decisions.at(-1)?.hash ?? null, broken_at: decision.seq, problem });
    if (decision.seq !== index + 1) return broken(`record ${index + 1} is missing: the next one is numbered ${decision.seq}`);
    if (decision.prev_hash !== previous) return broken(`record ${decision.seq} does not point at the record before it`);
    if ((await hashKey(`${previous ?? ""}\n${decision.record}`)) !== decision.hash) return broken(`record ${decision.seq} has been changed since it was written`);
    previous = decision.hash;
  }
  if (decisions.length !== head.seq || previous !== head.hash) {
    const problem = decisions.length < head.seq ? `records ${decisions.length + 1} to ${head.seq} are missing` : "the last record is not the chain's head";
    return { valid: false, length: decisions.length, head: previous, broken_at: Math.min(decisions.length, head.seq) + 1, problem };
  }
  return { valid: true, length: decisions.length, head: previous, broken_at: null, problem: null };
}
