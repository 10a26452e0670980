import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { StoredFormResponse } from "../../schemas/form-responses.ts";
import type { Owner } from "../../schemas/scopes.ts";
import { createdWithin } from "./created.ts";
import { formResponseJson } from "./resources.ts";

// Reads of stored CallMeBack form responses, scoped to the caller's workspace and mode, each as
// its form_response.created event shows it, with the callback it scheduled (the intake writes
// that callback with source form_response and the response's id as source_id).

const owned = (owner: Owner) => sql`f.workspace_id = ${owner.workspaceId} AND f.mode = ${owner.mode}::mode`;

/** The response as StoredFormResponse describes it; `f` is a form_responses row. */
export function storedFormResponseJson(f: string): SQL {
  const row = sql.raw(f);
  // By lead first: callbacks are indexed by lead, and a lead has few of them.
  return sql`${formResponseJson(f)} || jsonb_build_object(
    'callback_id', (SELECT c.id FROM callbacks c
                    WHERE c.lead_id = ${row}.lead_id AND c.source = 'form_response' AND c.source_id = ${row}.id
                    ORDER BY c.id LIMIT 1),
    'mode', ${row}.mode)`;
}

export async function getFormResponse(db: Db, owner: Owner, id: string): Promise<StoredFormResponse | null> {
  const { rows } = await db.execute<{ response: StoredFormResponse }>(sql`
    SELECT ${storedFormResponseJson("f")} AS response FROM form_responses f WHERE f.id = ${id} AND ${owned(owner)}`);
  return rows[0]?.response ?? null;
}

export type FormResponseFilters = {
  leadId?: string;
  domainId?: string;
  createdAfter?: string; // ISO 8601 with an offset
  createdBefore?: string;
  before?: string; // the cursor's id: the page starts after it, newest first
};

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listFormResponses(db: Db, owner: Owner, filters: FormResponseFilters, limit: number): Promise<StoredFormResponse[]> {
  const where: SQL[] = [owned(owner)];
  if (filters.leadId) where.push(sql`f.lead_id = ${filters.leadId}`);
  if (filters.domainId) where.push(sql`f.domain_id = ${filters.domainId}`);
  where.push(...createdWithin("f", "formResponse", filters));
  if (filters.before) where.push(sql`f.id < ${filters.before}`);
  const { rows } = await db.execute<{ response: StoredFormResponse }>(sql`
    SELECT ${storedFormResponseJson("f")} AS response FROM form_responses f
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY f.id DESC LIMIT ${limit + 1}`);
  return rows.map((row) => row.response);
}
