import { sql } from "drizzle-orm";
import { check, index, integer, text, uniqueIndex } from "drizzle-orm/pg-core";
import { callbacks } from "./callbacks.ts";
import { createdAt, optionalRef, parentRef } from "./columns.ts";
import { leads } from "./leads.ts";
import { ownedTable } from "./owned.ts";

// Every decision the dialler makes about a callback (dialled, held, blocked), append-only and
// chained per lead: `record` is the decision as JSON text, and `hash` is the sha256 of the
// previous record's hash, a newline, and this record, so editing any record breaks the chain
// from there on (GET /v1/leads/{id}/compliance verifies it).
export const dialDecisions = ownedTable(
  "dial_decisions",
  {
    leadId: parentRef("lead_id", () => leads.id),
    callbackId: optionalRef("callback_id", () => callbacks.id),
    seq: integer("seq").notNull(), // 1, 2, … per lead
    outcome: text("outcome").notNull(), // dialled, held, blocked
    record: text("record").notNull(),
    prevHash: text("prev_hash"),
    hash: text("hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("dial_decisions_lead_seq_idx").on(t.leadId, t.seq),
    index("dial_decisions_callback_idx").on(t.callbackId),
    // A workspace's deletion cascades here.
    index("dial_decisions_workspace_idx").on(t.workspaceId),
    check("dial_decisions_outcome", sql`${t.outcome} IN ('dialled', 'held', 'blocked')`),
  ],
);
