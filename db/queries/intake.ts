import { sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { AgentOverride, CallbackHold } from "../schema/callbacks.ts";
import { eventType } from "./events.ts";
import { claimStatement, type HeldKey, heldStatement, type IdempotencyScope } from "./idempotency.ts";
import { domainContextOf, type IntakeContext, leadContextOf, workspaceContextOf } from "./intake-context.ts";
import { callbackJson, formResponseJson, leadJson } from "./resources.ts";
import { onlyRow } from "./rows.ts";
import { lockRelease, releaseSlot } from "./release.ts";

// Every intake request, whichever seed API it came through, is one statement: it checks that
// the domain and agent belong to the caller, creates or updates the lead (one per workspace,
// mode and E.164 phone), stores the form response, schedules the callback unless an identical
// request did so in the last ten minutes, and writes the outbox events with the data they
// describe. With an Idempotency-Key it claims the key too, and writes nothing if another
// request holds it. One statement (behind a lock, in the same batch) is one round trip and one
// transaction: all of it, or none of it.
//
// The callback's first lawful moment is decided before the statement, in TypeScript, on an
// intake context (intake-context.ts) that may not have been read in this request. The statement
// reads that context again in its own snapshot and writes nothing unless it is the one the
// decision was made on (`contextOk`); it then returns what it read, for the caller to decide
// again and send the statement once more. So what is written was decided on the facts as they
// were when it was written, which is stricter than a read in a separate, earlier statement.

export type IntakeInput = {
  owner: { workspaceId: string; mode: "live" | "test" };
  domainId: string | null;
  agentId: string | null;
  lead: {
    id: string;
    phone: string;
    phoneRaw: string;
    phone2: string | null;
    name: string | null;
    email: string | null;
    country: string | null;
    timezone: string | null;
    customFields: Record<string, unknown>;
  };
  formResponse: {
    id: string;
    formType: string | null;
    formData: Record<string, unknown>;
    sourceUrl: string | null;
    userAgent: string | null;
    ipAddress: string | null;
    fingerprint: string;
  } | null;
  callback: {
    id: string;
    source: "form_response" | "make_call" | "add_call_api" | "api";
    sourceId: string | null;
    agentOverride: AgentOverride | null;
    scheduledAt: string | null; // ISO 8601; null means now
    // The first lawful moment (functions/compliance/decide.ts); null means now, by the database's clock.
    nextAttemptAt: string | null;
    hold: CallbackHold | null; // why nextAttemptAt is later than asked
    timezone: string | null;
    metadata: Record<string, unknown>;
    maxAttempts: number | null; // null: the domain's setting, else 5
    retryIntervalsSeconds: number[] | null; // null: the domain's setting, else the default
    fingerprint: string;
    onlyIfDomainAutoCallback: boolean;
  } | null;
  consent: {
    id: string;
    source: "form_response" | "add_call_api" | "api";
    text: string;
    textSha256: string;
    version: string | null;
    checked: boolean;
    pageUrl: string | null;
    ipAddress: string | null;
    userAgent: string | null;
  } | null;
  eventIds: { formResponse: string; lead: string; callback: string };
  /** The context the callback's first lawful moment was decided on; nothing is written unless it still holds. */
  expected: IntakeContext;
  /** An Idempotency-Key to claim: nothing is written unless the claim is taken. */
  claim: { scope: IdempotencyScope; requestHash: string } | null;
};

export type IntakeResult = {
  /** False when the context had changed: nothing was written, and `context` is what it is now. */
  contextOk: boolean;
  context: IntakeContext;
  domainFound: boolean;
  agentFound: boolean;
  lead: Record<string, unknown> | null;
  formResponse: Record<string, unknown> | null;
  callback: Record<string, unknown> | null;
  duplicate: boolean; // an identical request scheduled a callback in the last ten minutes
  earlierCallback: Record<string, unknown> | null; // that request's callback, as the API shows it
  eventIds: string[];
  /** The Idempotency-Key was claimed (when there is one, the context held, and no other request holds it). */
  keyClaimed: boolean;
  /** Not claimed: the key's row as another request left it, unless it may be claimed again. */
  keyHeld: HeldKey | null;
};

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
const jsonOrNull = (value: unknown) => (value === null || value === undefined ? sql`NULL::jsonb` : json(value));
const intArray = (values: number[] | null) => (values ? sql`${`{${values.join(",")}}`}::int[]` : sql`NULL::int[]`);

export async function writeIntake(db: Db, input: IntakeInput): Promise<IntakeResult> {
  const { owner, lead, formResponse: fr, callback: cb, consent, eventIds } = input;
  const ws = owner.workspaceId;
  const mode = sql`${owner.mode}::mode`;
  // Held at intake (a calling window, business hours): its place among those held for the same opening.
  const held = cb?.hold && cb.nextAttemptAt && input.domainId ? { at: cb.nextAttemptAt, until: cb.hold.until } : null;
  const nextAttemptAt = held
    ? releaseSlot(held.at, held.until, { domain: sql`${input.domainId}::text`, workspace: sql`${ws}`, mode, self: sql`${cb?.id ?? null}::text` })
    : sql`COALESCE(${cb?.nextAttemptAt ?? null}::timestamptz, now())`;
  const noLead = sql`'{"timezone": null, "recent_attempts": []}'::jsonb`;
  // The key is claimed wherever the statement gives an answer (the context held; an unknown
  // domain or agent is an answer too), and nothing is written unless it was.
  const { claim } = input;
  const keyClaim = claim
    ? claimStatement(claim.scope, claim.requestHash, { written: true, when: sql`(SELECT context_ok FROM checked)` })
    : sql`SELECT 1 WHERE false`;
  const keyHeld = claim ? heldStatement(claim.scope, sql`key_claim`) : sql`SELECT NULL::jsonb AS row, false AS live WHERE false`;
  const statement = sql`
WITH ctx AS (
  SELECT ${domainContextOf(owner, input.domainId)} AS domain, ${leadContextOf(owner, lead.phone)} AS lead, ${workspaceContextOf(owner)} AS workspace
), domain AS (
  SELECT * FROM domains WHERE id = ${input.domainId}::text AND workspace_id = ${ws} AND mode = ${mode}
), agent AS (
  SELECT id FROM agents WHERE id = ${input.agentId}::text AND workspace_id = ${ws} AND mode = ${mode}
), checked AS (
  SELECT (${input.domainId}::text IS NULL OR EXISTS (SELECT 1 FROM domain)) AS domain_found,
         (${input.agentId}::text IS NULL OR EXISTS (SELECT 1 FROM agent)) AS agent_found,
         -- A lead with no zone and no recent calls is, to the decision, no lead at all.
         (ctx.domain IS NOT DISTINCT FROM ${jsonOrNull(input.expected.domain)}
          AND COALESCE(ctx.lead, ${noLead}) = COALESCE(${jsonOrNull(input.expected.lead)}, ${noLead})
          AND ctx.workspace IS NOT DISTINCT FROM ${jsonOrNull(input.expected.workspace)}) AS context_ok
  FROM ctx
), key_claim AS (${keyClaim}
), key_held AS (${keyHeld}
), lead AS (
  INSERT INTO leads (id, workspace_id, mode, phone, phone_raw, phone_2, name, email, country, timezone, domain_id, custom_fields)
  SELECT ${lead.id}, ${ws}, ${mode}, ${lead.phone}, ${lead.phoneRaw}, ${lead.phone2}, ${lead.name}, ${lead.email},
         ${lead.country}, ${lead.timezone}, ${input.domainId}::text, ${json(lead.customFields)}
  FROM checked WHERE checked.domain_found AND checked.agent_found AND checked.context_ok
    AND (${claim === null} OR EXISTS (SELECT 1 FROM key_claim))
  ON CONFLICT (workspace_id, mode, phone) DO UPDATE SET
    phone_raw = EXCLUDED.phone_raw,
    phone_2 = COALESCE(EXCLUDED.phone_2, leads.phone_2),
    name = COALESCE(EXCLUDED.name, leads.name),
    email = COALESCE(EXCLUDED.email, leads.email),
    country = COALESCE(EXCLUDED.country, leads.country),
    timezone = COALESCE(EXCLUDED.timezone, leads.timezone),
    domain_id = COALESCE(EXCLUDED.domain_id, leads.domain_id),
    custom_fields = leads.custom_fields || EXCLUDED.custom_fields,
    updated_at = now()
  RETURNING *
), fr AS (
  INSERT INTO form_responses (id, workspace_id, mode, domain_id, lead_id, form_type, form_data, source_url, user_agent, ip_address, fingerprint)
  SELECT ${fr?.id ?? null}::text, ${ws}, ${mode}, ${input.domainId}::text, lead.id, ${fr?.formType ?? null}::text,
         ${json(fr?.formData ?? {})}, ${fr?.sourceUrl ?? null}::text, ${fr?.userAgent ?? null}::text,
         ${fr?.ipAddress ?? null}::text, ${fr?.fingerprint ?? null}::text
  FROM lead WHERE ${fr !== null}
  RETURNING *
), earlier AS (
  SELECT id FROM callbacks
  WHERE workspace_id = ${ws} AND mode = ${mode} AND fingerprint = ${cb?.fingerprint ?? null}::text
    AND created_at > now() - interval '10 minutes'
  ORDER BY created_at DESC, id DESC LIMIT 1
), recent AS (
  SELECT EXISTS (SELECT 1 FROM earlier) AS found
), cb AS (
  INSERT INTO callbacks (id, workspace_id, mode, lead_id, domain_id, agent_id, agent_override, source, source_id,
                         status, scheduled_at, next_attempt_at, hold, timezone, max_attempts, retry_intervals_seconds,
                         metadata, fingerprint)
  SELECT ${cb?.id ?? null}::text, ${ws}, ${mode}, lead.id, ${input.domainId}::text, ${input.agentId}::text,
         ${cb?.agentOverride ? json(cb.agentOverride) : sql`NULL::jsonb`}, ${cb?.source ?? "api"}::callback_source,
         COALESCE(${cb?.sourceId ?? null}::text, (SELECT id FROM fr)), 'scheduled',
         COALESCE(${cb?.scheduledAt ?? null}::timestamptz, now()), ${nextAttemptAt},
         ${cb?.hold ? json(cb.hold) : sql`NULL::jsonb`}, ${cb?.timezone ?? null}::text,
         COALESCE(${cb?.maxAttempts ?? null}::int, (SELECT retry_max_attempts FROM domain), 5),
         COALESCE(${intArray(cb?.retryIntervalsSeconds ?? null)}, (SELECT retry_intervals_seconds FROM domain), '{120,600,1800,7200}'::int[]),
         ${json(cb?.metadata ?? {})}, ${cb?.fingerprint ?? null}::text
  FROM lead, recent
  WHERE ${cb !== null} AND NOT recent.found
    AND (NOT ${cb?.onlyIfDomainAutoCallback ?? false} OR COALESCE((SELECT auto_callback FROM domain), false))
  RETURNING *
), consent AS (
  INSERT INTO consents (id, workspace_id, mode, lead_id, source, source_id, text, text_sha256, version, checked, page_url, ip_address, user_agent)
  SELECT ${consent?.id ?? null}::text, ${ws}, ${mode}, lead.id, ${consent?.source ?? null}::text, COALESCE((SELECT id FROM fr), (SELECT id FROM cb)),
         ${consent?.text ?? null}::text, ${consent?.textSha256 ?? null}::text, ${consent?.version ?? null}::text,
         ${consent?.checked ?? null}::boolean, ${consent?.pageUrl ?? null}::text, ${consent?.ipAddress ?? null}::text,
         ${consent?.userAgent ?? null}::text
  FROM lead WHERE ${consent !== null}
), ev AS (
  INSERT INTO events (id, workspace_id, mode, type, data, created_at)
  SELECT ${eventIds.formResponse}, ${ws}, ${mode}, ${eventType("form_response.created")}, ${formResponseJson("fr")}, fr.created_at FROM fr
  UNION ALL
  SELECT ${eventIds.lead}, ${ws}, ${mode}, ${eventType("lead.updated")}, ${leadJson("lead")}, lead.updated_at FROM lead
  UNION ALL
  SELECT ${eventIds.callback}, ${ws}, ${mode}, ${eventType("callback.scheduled")}, ${callbackJson("cb", "lead")}, cb.created_at FROM cb, lead
  RETURNING id
)
SELECT checked.domain_found, checked.agent_found, checked.context_ok,
       (SELECT jsonb_build_object('domain', ctx.domain, 'lead', ctx.lead, 'workspace', ctx.workspace) FROM ctx) AS context,
       (SELECT ${leadJson("lead")} FROM lead) AS lead,
       (SELECT ${formResponseJson("fr")} FROM fr) AS form_response,
       (SELECT ${callbackJson("cb", "lead")} FROM cb, lead) AS callback,
       (SELECT found FROM recent) AS duplicate,
       (SELECT ${callbackJson("e", "el")} FROM callbacks e JOIN leads el ON el.id = e.lead_id
        WHERE e.id = (SELECT id FROM earlier)) AS earlier_callback,
       (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM ev) AS event_ids,
       EXISTS (SELECT 1 FROM key_claim) AS key_claimed,
       (SELECT row FROM key_held WHERE live) AS key_held
FROM checked`;
  // Identical requests at the same moment would each miss the other's callback (a statement sees
  // the data as it was when it began). A transaction-scoped lock on the fingerprint, taken by a
  // first statement of the same batch, makes the second wait, and then see the first's callback.
  // Still one round trip.
  const lockKey = `${ws}:${owner.mode}:${cb?.fingerprint ?? lead.phone}`;
  const [, , { rows }] = await db.batch([
    db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`),
    lockRelease(db, held ? input.domainId : null),
    db.execute<{
      domain_found: boolean;
      agent_found: boolean;
      context_ok: boolean;
      context: IntakeContext;
      lead: Record<string, unknown> | null;
      form_response: Record<string, unknown> | null;
      callback: Record<string, unknown> | null;
      duplicate: boolean;
      earlier_callback: Record<string, unknown> | null;
      event_ids: string[];
      key_claimed: boolean;
      key_held: HeldKey | null;
    }>(statement),
  ]);
  const row = onlyRow(rows, "writeIntake");
  return {
    contextOk: row.context_ok,
    context: row.context,
    domainFound: row.domain_found,
    agentFound: row.agent_found,
    lead: row.lead,
    formResponse: row.form_response,
    callback: row.callback,
    duplicate: row.duplicate,
    earlierCallback: row.earlier_callback,
    eventIds: row.event_ids,
    keyClaimed: row.key_claimed,
    keyHeld: row.key_held,
  };
}
