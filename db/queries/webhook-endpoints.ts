import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import type { Mode } from "../../schemas/scopes.ts";
import { webhookEndpoints } from "../schema/index.ts";
import { onlyRow } from "./rows.ts";

export type Owner = { workspaceId: string; mode: Mode };
export type EndpointRow = typeof webhookEndpoints.$inferSelect;

const owned = (owner: Owner) => and(eq(webhookEndpoints.workspaceId, owner.workspaceId), eq(webhookEndpoints.mode, owner.mode));

export async function insertEndpoint(db: Db, row: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
  return onlyRow(await db.insert(webhookEndpoints).values(row).returning(), "insertEndpoint");
}

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listEndpoints(db: Db, owner: Owner, page: { limit: number; startingAfter?: string }): Promise<EndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(owned(owner), page.startingAfter ? lt(webhookEndpoints.id, page.startingAfter) : undefined))
    .orderBy(desc(webhookEndpoints.id))
    .limit(page.limit + 1);
}

export async function findEndpoint(db: Db, owner: Owner, id: string): Promise<EndpointRow | null> {
  const [row] = await db.select().from(webhookEndpoints).where(and(owned(owner), eq(webhookEndpoints.id, id)));
  return row ?? null;
}

export type EndpointChanges = Partial<Pick<EndpointRow, "url" | "events" | "description" | "enabled">>;

export async function updateEndpoint(db: Db, owner: Owner, id: string, changes: EndpointChanges): Promise<EndpointRow | null> {
  // Enabling by hand, or a new URL, starts afresh: the reason it was disabled, its failing
  // streak, its pause and its slowness go. A parked backlog is let go by the cron and by the
  // endpoint's successes, a hundred at a time (webhook-work.ts).
  const fresh = changes.enabled === true || changes.url !== undefined;
  const health = fresh ? { disabledReason: null, failingSince: null, failureStreak: 0, pausedUntil: null, pauseCount: 0, probeDeliveryId: null, slowUntil: null } : {};
  const [row] = await db
    .update(webhookEndpoints)
    .set({ ...changes, ...health, updatedAt: sql`now()` })
    .where(and(owned(owner), eq(webhookEndpoints.id, id)))
    .returning();
  return row ?? null;
}

export async function deleteEndpoint(db: Db, owner: Owner, id: string): Promise<boolean> {
  const rows = await db.delete(webhookEndpoints).where(and(owned(owner), eq(webhookEndpoints.id, id))).returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/**
 * Makes `secret` the signing secret and keeps the current one signing beside it for 24 h, as
 * `previousSecret`: both sealed by the caller for their own columns. Only if the stored secret is
 * still `was`; null otherwise (another rotation came first: read again), or if there is no such
 * endpoint. A rotation during a rotation drops the oldest: at most two secrets ever sign.
 * A null `previousSecret` (the current one cannot be opened) leaves only the new one signing.
 */
export async function rotateSecret(
  db: Db,
  owner: Owner,
  id: string,
  change: { was: string; secret: string; previousSecret: string | null },
): Promise<EndpointRow | null> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      previousSecret: change.previousSecret,
      previousSecretExpiresAt: change.previousSecret === null ? null : sql`now() + interval '24 hours'`,
      secret: change.secret,
      updatedAt: sql`now()`,
    })
    .where(and(owned(owner), eq(webhookEndpoints.id, id), eq(webhookEndpoints.secret, change.was)))
    .returning();
  return row ?? null;
}
