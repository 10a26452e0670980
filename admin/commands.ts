import { and, asc, eq, isNull } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { AnyPgColumn, PgTable, SelectedFields } from "drizzle-orm/pg-core";
import { newId } from "../schemas/ids.ts";
import type { KeyKind, Mode } from "../schemas/scopes.ts";
import { toE164 } from "../schemas/phone.ts";
import { createAgent } from "../db/queries/agents.ts";
import { createDomain } from "../db/queries/domains.ts";
import { refusedWebhookUrl, sealAgentSecret } from "../functions/lib/agent-webhooks.ts";
import { issueKey } from "../functions/lib/issue-key.ts";
import { resealSecrets } from "../functions/lib/reseal.ts";
import type { Keyring } from "../functions/lib/secrets.ts";
import type { UrlPolicy } from "../functions/lib/ssrf.ts";
import { canonicalTimeZone, isTimeZone } from "../schemas/common.ts";
import { defaultScopes, Scope } from "../schemas/scopes.ts";
import * as schema from "../db/schema/index.ts";
import type { BusinessHours } from "../db/schema/domains.ts";
import { businessWindow } from "../functions/lib/schedule.ts";

// The admin operations, shared by the CLI (admin/cli.ts) and `npm run dev`'s demo workspace.
// They run in Node against DATABASE_URL over a plain PostgreSQL connection.
export type AdminDb = NodePgDatabase<typeof schema>;

export class AdminError extends Error {
  override name = "AdminError";
}

export type Plan = (typeof schema.plan.enumValues)[number];

type WorkspaceInput = { name: string; plan: Plan; requestsPerHour?: number; callbacksPerPhonePerHour?: number; timezone?: string; callingHours?: string };

export async function createWorkspace(db: AdminDb, input: WorkspaceInput) {
  const timezone = input.timezone === undefined ? null : zoneOf(input.timezone);
  const hours = input.callingHours === undefined ? null : callingHoursOf(input.callingHours);
  const workspace = {
    id: newId("workspace"),
    name: input.name,
    plan: input.plan,
    requestsPerHour: input.requestsPerHour ?? null,
    callbacksPerPhonePerHour: input.callbacksPerPhonePerHour ?? null,
    timezone,
    callingHoursStart: hours?.start ?? null,
    callingHoursEnd: hours?.end ?? null,
  };
  return db.transaction(async (tx) => {
    await tx.insert(schema.workspaces).values(workspace);
    const live = await createKey(tx, { workspaceId: workspace.id, mode: "live", kind: "secret", name: "default" });
    const test = await createKey(tx, { workspaceId: workspace.id, mode: "test", kind: "secret", name: "default" });
    const callingHours = hours ? `${hours.start}-${hours.end}` : null;
    return { workspace: { id: workspace.id, name: workspace.name, plan: workspace.plan, timezone, calling_hours: callingHours, requests_per_hour: workspace.requestsPerHour, callbacks_per_phone_per_hour: workspace.callbacksPerPhonePerHour }, keys: { live, test } };
  });
}

/**
 * A workspace's plan, and limits of its own instead of the plan's (null: the plan's again). The
 * Worker reads them as an override of its plan's figure (functions/lib/ratelimit.ts) and of the
 * default per-phone limit (functions/intake/accept.ts).
 */
export type WorkspaceChanges = { plan?: Plan; requestsPerHour?: number | null; callbacksPerPhonePerHour?: number | null };

export async function updateWorkspace(db: AdminDb, id: string, changes: WorkspaceChanges) {
  if (changes.plan === undefined && changes.requestsPerHour === undefined && changes.callbacksPerPhonePerHour === undefined) {
    throw new AdminError("workspace update needs at least one of --plan, --requests-per-hour, --callbacks-per-phone-per-hour");
  }
  const [row] = await db
    .update(schema.workspaces)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(schema.workspaces.id, id))
    .returning();
  if (!row) throw new AdminError(`no workspace ${id}`);
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    requests_per_hour: row.requestsPerHour,
    callbacks_per_phone_per_hour: row.callbacksPerPhonePerHour,
  };
}

/** "HH:MM-HH:MM", running forward within a day (24:00 may end it). */
function callingHoursOf(text: string): { start: string; end: string } {
  const [, start, , end] = /^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d|24:00)$/.exec(text) ?? [];
  if (start === undefined || end === undefined || start >= end) {
    throw new AdminError(`--calling-hours must be HH:MM-HH:MM, running forward within a day, e.g. 09:00-20:00`);
  }
  return { start, end };
}

function zoneOf(timezone: string): string {
  if (!isTimeZone(timezone)) throw new AdminError(`unknown time zone ${timezone}; use an IANA name such as America/New_York`);
  return canonicalTimeZone(timezone);
}

type KeyInput = {
  workspaceId: string;
  mode: Mode;
  kind: KeyKind;
  name?: string;
  scopes?: string[];
  agentId?: string;
  allowedOrigins?: string[];
};

/** Makes a key and returns it whole: the only time it is ever shown. */
export async function createKey(db: AdminDb, input: KeyInput) {
  await requireWorkspace(db, input.workspaceId);
  if (input.agentId) await requireAgent(db, input.workspaceId, input.mode, input.agentId);
  const scopes = (input.scopes ?? defaultScopes[input.kind]).map((s) => {
    const parsed = Scope.safeParse(s);
    if (!parsed.success) throw new AdminError(`unknown scope ${s}; scopes are ${Scope.options.join(", ")}`);
    return parsed.data;
  });
  const origins = (input.allowedOrigins ?? []).map(checkOrigin);
  // As the management API: a publishable key works only from the origins it lists.
  if (input.kind === "publishable" && origins.length === 0) throw new AdminError("a publishable key needs at least one --origin");
  const owner = { workspaceId: input.workspaceId, mode: input.mode };
  const { key, row } = await issueKey(db, owner, { kind: input.kind, name: input.name, scopes, agentId: input.agentId, allowedOrigins: origins });
  return { id: row.id, key, kind: input.kind, mode: input.mode, scopes, agent_id: input.agentId ?? null, allowed_origins: origins };
}

export async function revokeKey(db: AdminDb, id: string) {
  const [row] = await db
    .update(schema.apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(schema.apiKeys.id, id), isNull(schema.apiKeys.revokedAt)))
    .returning({ id: schema.apiKeys.id, revokedAt: schema.apiKeys.revokedAt });
  if (!row) throw new AdminError(`no active key ${id}`);
  if (!row.revokedAt) throw new Error(`key ${id} was revoked, but its revoked_at did not come back`);
  return { id: row.id, revoked_at: row.revokedAt.toISOString() };
}

type DomainInput = {
  workspaceId: string;
  mode: Mode;
  name: string;
  timezone?: string;
  country?: string;
  autoCallback?: boolean;
  requireConsent?: boolean;
  callingHours?: string;
  agentAccept?: boolean;
  /** What a lead's voicemail is left; none: it is hung up on, and the attempt retried. */
  voicemail?: string;
  retryAfterVoicemail?: boolean;
  releaseSpacingSeconds?: number;
  simultaneousRing?: number;
};

export async function addDomain(db: AdminDb, input: DomainInput) {
  await requireWorkspace(db, input.workspaceId);
  const timezone = zoneOf(input.timezone ?? "UTC");
  const hours = input.callingHours === undefined ? null : callingHoursOf(input.callingHours);
  const country = input.country?.toUpperCase();
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) throw new AdminError("country must be two letters, e.g. US");
  const voicemail = input.voicemail?.trim();
  const spacing = input.releaseSpacingSeconds ?? 60;
  if (spacing > 3600) throw new AdminError("--release-spacing must be 0 to 3600 seconds");
  const simultaneous = input.simultaneousRing ?? 1;
  if (simultaneous > 10) throw new AdminError("--simultaneous-ring must be 1 to 10");
  if (voicemail !== undefined && (voicemail.length === 0 || voicemail.length > 1000)) throw new AdminError("--voicemail must be 1 to 1,000 characters");
  const row = await createDomain(db, { workspaceId: input.workspaceId, mode: input.mode }, {
    name: input.name,
    timezone,
    defaultCountry: country ?? null,
    autoCallback: input.autoCallback ?? true,
    requireConsent: input.requireConsent ?? false,
    ...(hours && { callingHoursStart: hours.start, callingHoursEnd: hours.end }),
    agentAccept: input.agentAccept ?? true,
    machineAnswer: voicemail ? ("voicemail" as const) : ("retry" as const),
    voicemailMessage: voicemail ?? null,
    retryAfterVoicemail: input.retryAfterVoicemail ?? true,
    releaseSpacingSeconds: spacing,
    simultaneousRing: simultaneous,
  });
  return {
    id: row.id,
    widget_key: row.widgetKey,
    mode: row.mode,
    name: row.name,
    timezone,
    default_country: row.defaultCountry,
    auto_callback: row.autoCallback,
    require_consent: row.requireConsent,
    calling_hours: input.callingHours ?? "08:00-21:00",
    agent_accept: row.agentAccept,
    machine_answer: row.machineAnswer,
    voicemail_message: row.voicemailMessage,
    retry_after_voicemail: row.retryAfterVoicemail,
    release_spacing_seconds: row.releaseSpacingSeconds,
    simultaneous_ring: row.simultaneousRing,
  };
}

type AgentInput = {
  workspaceId: string;
  mode: Mode;
  name: string;
  phone: string;
  department?: string;
  webhookUrl?: string;
  /** Which of seed 002's verifiers the post-call body is written for. */
  postCallJson?: "compact" | "python";
  /** Switched on (rung) or off; and rung only in this weekly schedule, in this zone. */
  available?: boolean;
  timezone?: string;
  schedule?: string;
};

/**
 * What a post-call webhook takes: the rules its URL must pass (the Worker's, with the same
 * loopback setting) and the keyring its secret is sealed with.
 */
export type WebhookSettings = { urlPolicy: UrlPolicy; keyring: () => Keyring };

export async function addAgent(db: AdminDb, input: AgentInput, webhooks?: WebhookSettings) {
  await requireWorkspace(db, input.workspaceId);
  const phone = toE164(input.phone);
  if (!phone) throw new AdminError(`${input.phone} is not a phone number in international form (+<country code>…)`);
  const id = newId("agent");
  const timezone = input.timezone === undefined ? null : zoneOf(input.timezone);
  const schedule = input.schedule === undefined ? null : scheduleOf(input.schedule);
  let webhook: { url: string; secret: string | null; sealed: string } | null = null;
  if (input.webhookUrl !== undefined) {
    if (!webhooks) throw new AdminError("a webhook URL needs the webhook settings");
    const refused = refusedWebhookUrl(input.webhookUrl, webhooks.urlPolicy);
    if (refused !== null) throw new AdminError(`--webhook-url is not allowed: it ${refused}`);
    const { sealed, shown } = await sealAgentSecret(webhooks.keyring(), id);
    webhook = { url: input.webhookUrl, secret: shown, sealed };
  }
  const row = await createAgent(db, { workspaceId: input.workspaceId, mode: input.mode }, {
    id,
    name: input.name,
    phone,
    department: input.department ?? null,
    webhookUrl: webhook?.url ?? null,
    webhookSecret: webhook?.sealed ?? null,
    postCallJson: input.postCallJson ?? "compact",
    available: input.available ?? true,
    timezone,
    schedule,
  });
  // The secret is shown once, here; the database holds it sealed.
  return {
    id,
    mode: row.mode,
    name: row.name,
    phone,
    department: row.department,
    webhook_url: row.webhookUrl,
    webhook_secret: webhook?.secret ?? null,
    post_call_json: row.postCallJson,
    available: row.available,
    timezone: row.timezone,
    schedule: row.schedule,
  };
}

/** Seals every webhook and agent secret under the keyring's current key. */
export async function rotateSecrets(db: AdminDb, keyring: Keyring) {
  const report = await resealSecrets(db, keyring);
  if (report.unreadable.length > 0) {
    const which = report.unreadable.slice(0, 5).map((u) => u.reason).join("; ");
    throw new AdminError(
      `resealed ${report.resealed.webhook_endpoints} endpoint(s) and ${report.resealed.agents} agent(s) under "${report.key}", ` +
        `but ${report.unreadable.length} secret(s) do not open with SECRETS_KEYS and were left as they are: ${which}`,
    );
  }
  return report;
}

/** Everything that exists, or everything of one workspace. Never a key or its hash. */
export async function listAll(db: AdminDb, workspaceId?: string) {
  const where = (column: AnyPgColumn) => (workspaceId ? eq(column, workspaceId) : undefined);
  // A workspace's table in id order, only the columns asked for (a key's hash is never among them).
  const rowsOf = <Fields extends SelectedFields>(table: PgTable & { id: AnyPgColumn; workspaceId: AnyPgColumn }, fields: Fields) =>
    db.select(fields).from(table).where(where(table.workspaceId)).orderBy(asc(table.id));
  const [workspaces, keys, domains, agents] = await Promise.all([
    db.select().from(schema.workspaces).where(workspaceId ? eq(schema.workspaces.id, workspaceId) : undefined).orderBy(asc(schema.workspaces.id)),
    rowsOf(schema.apiKeys, {
      id: schema.apiKeys.id,
      workspace_id: schema.apiKeys.workspaceId,
      mode: schema.apiKeys.mode,
      kind: schema.apiKeys.kind,
      name: schema.apiKeys.name,
      prefix: schema.apiKeys.prefix,
      last4: schema.apiKeys.last4,
      scopes: schema.apiKeys.scopes,
      agent_id: schema.apiKeys.agentId,
      created_at: schema.apiKeys.createdAt,
      last_used_at: schema.apiKeys.lastUsedAt,
      revoked_at: schema.apiKeys.revokedAt,
    }),
    rowsOf(schema.domains, {
      id: schema.domains.id,
      workspace_id: schema.domains.workspaceId,
      mode: schema.domains.mode,
      name: schema.domains.name,
      widget_key: schema.domains.widgetKey,
      timezone: schema.domains.timezone,
      default_country: schema.domains.defaultCountry,
      auto_callback: schema.domains.autoCallback,
    }),
    rowsOf(schema.agents, {
      id: schema.agents.id,
      workspace_id: schema.agents.workspaceId,
      mode: schema.agents.mode,
      name: schema.agents.name,
      phone: schema.agents.phone,
      department: schema.agents.department,
      active: schema.agents.active,
      webhook_url: schema.agents.webhookUrl,
    }),
  ]);
  return {
    workspaces: workspaces.map((w) => ({
      id: w.id,
      name: w.name,
      plan: w.plan,
      requests_per_hour: w.requestsPerHour,
      callbacks_per_phone_per_hour: w.callbacksPerPhonePerHour,
      created_at: w.createdAt,
    })),
    keys,
    domains,
    agents,
  };
}

export async function requireWorkspace(db: AdminDb, id: string): Promise<void> {
  const [row] = await db.select({ id: schema.workspaces.id }).from(schema.workspaces).where(eq(schema.workspaces.id, id));
  if (!row) throw new AdminError(`no workspace ${id}`);
}

async function requireAgent(db: AdminDb, workspaceId: string, mode: Mode, id: string): Promise<void> {
  const [row] = await db
    .select({ id: schema.agents.id })
    .from(schema.agents)
    .where(and(eq(schema.agents.id, id), eq(schema.agents.workspaceId, workspaceId), eq(schema.agents.mode, mode)));
  if (!row) throw new AdminError(`no ${mode} agent ${id} in workspace ${workspaceId}`);
}

function checkOrigin(origin: string): string {
  const url = URL.canParse(origin) ? new URL(origin) : null;
  if (!url || url.origin !== origin) throw new AdminError(`${origin} is not an origin such as https://example.com`);
  return origin;
}

/** A weekly schedule in the business-hours shape: ISO weekdays (1 = Monday) to HH:MM ranges. */
function scheduleOf(text: string): BusinessHours {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AdminError(`--schedule must be JSON, e.g. {"1":[["09:00","17:00"]]}`);
  }
  const days = typeof value === "object" && value !== null && !Array.isArray(value) ? Object.entries(value) : null;
  const shaped = days?.every(([day, ranges]) => /^[1-7]$/.test(day) && Array.isArray(ranges) && ranges.every((r) => Array.isArray(r) && r.length === 2 && r.every((t) => typeof t === "string")));
  if (!shaped) throw new AdminError(`--schedule must map ISO weekdays (1 = Monday) to ranges, e.g. {"1":[["09:00","17:00"]]}`);
  const schedule = value as BusinessHours;
  // The dialler's own reading of it: a range it cannot read is refused here, not at the first call.
  try {
    businessWindow(schedule, "UTC", []);
  } catch (err) {
    throw new AdminError(`--schedule: ${err instanceof Error ? err.message : String(err)}`);
  }
  return schedule;
}
