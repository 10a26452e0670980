import type { StoredDecision } from "../../db/queries/compliance.ts";
import { hashKey } from "../lib/keys.ts";

// Checks a lead's chain of dial decisions as anyone holding the export can: each record's hash
// is sha256(previous hash + "\n" + record) in lower-case hex, the first record's previous hash is
// empty, and the records number 1, 2, 3… with none missing.

export type ChainCheck = { valid: boolean; length: number; head: string | null; broken_at: number | null; problem: string | null };

export async function verifyChain(decisions: readonly StoredDecision[]): Promise<ChainCheck> {
  let previous: string | null = null;
  for (const [index, decision] of decisions.entries()) {
    const broken = (problem: string): ChainCheck => ({ valid: false, length: decisions.length, head: decisions.at(-1)?.hash ?? null, broken_at: decision.seq, problem });
    if (decision.seq !== index + 1) return broken(`record ${index + 1} is missing: the next one is numbered ${decision.seq}`);
    if (decision.prev_hash !== previous) return broken(`record ${decision.seq} does not point at the record before it`);
    if ((await hashKey(`${previous ?? ""}\n${decision.record}`)) !== decision.hash) return broken(`record ${decision.seq} has been changed since it was written`);
    previous = decision.hash;
  }
  return { valid: true, length: decisions.length, head: previous, broken_at: null, problem: null };
}
