import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { domains } from "../schema/index.ts";
import type { Domain, UpdateDomain } from "../../schemas/domains.ts";
import { canonicalTimeZone } from "../../schemas/common.ts";
import type { Owner } from "../../schemas/scopes.ts";
import { newId } from "../../schemas/ids.ts";
import type { AnyDb } from "./sealed-secrets.ts";
import { withChecks } from "./checks.ts";
import { onlyRow } from "./rows.ts";

// Domains: the lookups intake and the dialler make, and the management API's reads and writes
// (/v1/domains, the console, `npm run admin -- domain add`), every one scoped to a workspace and
// mode. The writes run on either driver (the Worker's neon-http, the CLI's node-postgres).

export type DomainRow = typeof domains.$inferSelect;

/** The settings a domain is made or changed with, as the table names them; absent: the default, or unchanged. */
export type DomainSettings = Partial<Omit<DomainRow, "id" | "workspaceId" | "mode" | "widgetKey" | "createdAt" | "updatedAt">>;

const owned = (owner: Owner) => and(eq(domains.workspaceId, owner.workspaceId), eq(domains.mode, owner.mode));

/** The caller's domain with this id, or null (also for another workspace's or mode's domain). */
export async function findDomain(db: AnyDb, owner: Owner, id: string): Promise<DomainRow | null> {
  const [row] = await db.select().from(domains).where(and(owned(owner), eq(domains.id, id)));
  return row ?? null;
}

/** The domain with this public widget key, in any workspace (Brightcall links carry only it). */
export async function findDomainByWidgetKey(db: Db, widgetKey: string) {
  const [row] = await db.select().from(domains).where(eq(domains.widgetKey, widgetKey));
  return row ?? null;
}

/** Newest first, ids before `before`; `limit + 1` rows so the caller can tell whether there is more. */
export async function listDomains(db: AnyDb, owner: Owner, filters: { before?: string }, limit: number): Promise<DomainRow[]> {
  return db
    .select()
    .from(domains)
    .where(and(owned(owner), filters.before ? lt(domains.id, filters.before) : undefined))
    .orderBy(desc(domains.id))
    .limit(limit + 1);
}

/**
 * Makes a domain with a new id and widget key. A setting left out takes the table's default.
 * Throws CheckViolation for settings the table refuses.
 */
export async function createDomain(db: AnyDb, owner: Owner, input: DomainSettings & { name: string }): Promise<DomainRow> {
  const row = { ...input, id: newId("domain"), workspaceId: owner.workspaceId, mode: owner.mode, widgetKey: newWidgetKey() };
  return withChecks(async () => onlyRow(await db.insert(domains).values(row).returning(), "createDomain"));
}

/**
 * Changes the settings given and leaves the rest; null when the domain is not the caller's.
 * Throws CheckViolation where a change and the stored settings together break a CHECK.
 */
export async function updateDomain(db: AnyDb, owner: Owner, id: string, patch: DomainSettings): Promise<DomainRow | null> {
  const [row] = await withChecks(() =>
    db
      .update(domains)
      .set({ ...patch, updatedAt: sql`now()` })
      .where(and(owned(owner), eq(domains.id, id)))
      .returning(),
  );
  return row ?? null;
}

/**
 * The settings a create or update body (CreateDomain, UpdateDomain, already parsed) gives, as the
 * table names them; the zone in its canonical spelling. Fields the body leaves out stay out.
 */
export function domainSettings(body: UpdateDomain): DomainSettings & { name?: string } {
  const settings: DomainSettings & { name?: string } = {
    name: body.name,
    timezone: body.timezone === undefined ? undefined : canonicalTimeZone(body.timezone),
    defaultCountry: body.default_country,
    businessHours: body.business_hours,
    holidays: body.holidays,
    autoCallback: body.auto_callback,
    callingHoursStart: body.calling_hours_start,
    callingHoursEnd: body.calling_hours_end,
    dailyAttemptCap: body.daily_attempt_cap,
    recordCalls: body.record_calls,
    agentAccept: body.agent_accept,
    machineAnswer: body.machine_answer,
    voicemailMessage: body.voicemail_message,
    retryAfterVoicemail: body.retry_after_voicemail,
    releaseSpacingSeconds: body.release_spacing_seconds,
    simultaneousRing: body.simultaneous_ring,
    requireConsent: body.require_consent,
    retryMaxAttempts: body.retry_max_attempts,
    retryIntervalsSeconds: body.retry_intervals_seconds,
  };
  // drizzle would write an undefined as DEFAULT; a field not given is left out instead.
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

// Widget keys are public (they sit in web pages and GET links), so they only need to be
// unguessable enough not to collide; they authorise nothing without an API key.
export function newWidgetKey(): string {
  // base64url by hand: db/ imports nothing from functions/ (where lib/base64url.ts is).
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `wk_${btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "")}`;
}

/** A domain as the API shows it (schemas/domains.ts Domain). */
export function domainJson(row: DomainRow): Domain {
  return {
    id: row.id,
    name: row.name,
    widget_key: row.widgetKey,
    timezone: row.timezone,
    default_country: row.defaultCountry,
    business_hours: row.businessHours,
    holidays: row.holidays,
    auto_callback: row.autoCallback,
    calling_hours_start: row.callingHoursStart,
    calling_hours_end: row.callingHoursEnd,
    daily_attempt_cap: row.dailyAttemptCap,
    record_calls: row.recordCalls,
    agent_accept: row.agentAccept,
    machine_answer: row.machineAnswer,
    voicemail_message: row.voicemailMessage,
    retry_after_voicemail: row.retryAfterVoicemail,
    release_spacing_seconds: row.releaseSpacingSeconds,
    simultaneous_ring: row.simultaneousRing,
    require_consent: row.requireConsent,
    retry_max_attempts: row.retryMaxAttempts,
    retry_intervals_seconds: row.retryIntervalsSeconds,
    mode: row.mode,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

/** ISO 8601 UTC without fractions, as resources carry times. */
export const iso = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;
