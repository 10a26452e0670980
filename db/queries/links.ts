import { and, desc, eq, gt, isNotNull, isNull, lt, lte, type SQL, sql } from "drizzle-orm";
import { apiKeys, domains, links, workspaces } from "../schema/index.ts";
import type { Link } from "../../schemas/links.ts";
import type { Owner } from "../../schemas/scopes.ts";
import { iso } from "./domains.ts";
import type { AnyDb } from "./sealed-secrets.ts";
import { onlyRow } from "./rows.ts";

// Signed links: the management API's reads and writes (/v1/links, `npm run admin -- link …`), on
// either driver, every one scoped to a workspace and mode; and the one lookup the link itself
// makes (/l/{token}), by the id its verified token names.

export type LinkRow = typeof links.$inferSelect;
export type NewLink = Pick<LinkRow, "id" | "domainId" | "params" | "thankYouUrl" | "keyId" | "expiresAt">;
export type LinkStatus = Link["status"];

const owned = (owner: Owner) => and(eq(links.workspaceId, owner.workspaceId), eq(links.mode, owner.mode));

const statusIs = (status: LinkStatus) => {
  switch (status) {
    case "revoked":
      return isNotNull(links.revokedAt);
    case "expired":
      return and(isNull(links.revokedAt), lte(links.expiresAt, sql`now()`));
    case "active":
      return and(isNull(links.revokedAt), gt(links.expiresAt, sql`now()`));
  }
};

export async function insertLink(db: AnyDb, owner: Owner, link: NewLink): Promise<LinkRow> {
  return onlyRow(await db.insert(links).values({ ...link, workspaceId: owner.workspaceId, mode: owner.mode }).returning(), "insertLink");
}

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listLinks(db: AnyDb, owner: Owner, filters: { status?: LinkStatus; before?: string }, limit: number): Promise<LinkRow[]> {
  return db
    .select()
    .from(links)
    .where(and(owned(owner), filters.status ? statusIs(filters.status) : undefined, filters.before ? lt(links.id, filters.before) : undefined))
    .orderBy(desc(links.id))
    .limit(limit + 1);
}

/** The caller's link with this id, or null (also another workspace's or mode's). */
export async function findLink(db: AnyDb, owner: Owner, id: string): Promise<LinkRow | null> {
  const [row] = await db.select().from(links).where(and(owned(owner), eq(links.id, id)));
  return row ?? null;
}

/** Revokes the caller's link (it answers 410 from now on), keeping the first revocation's time; null when not the caller's. */
export async function revokeLink(db: AnyDb, owner: Owner, id: string): Promise<LinkRow | null> {
  const [row] = await db
    .update(links)
    .set({ revokedAt: sql`coalesce(${links.revokedAt}, now())` })
    .where(and(owned(owner), eq(links.id, id)))
    .returning();
  return row ?? null;
}

/**
 * A visit to /l/{token}: the link its verified token names, its workspace (who intake acts for),
 * whether its domain requires consent, whether it is still good by the database's clock, and the origins a thank-you page or a
 * Referer may be on. One statement.
 */
export async function linkForVisit(db: AnyDb, linkId: string) {
  const [row] = await db
    .select({
      link: links,
      workspace: workspaces,
      requireConsent: domains.requireConsent,
      live: sql<boolean>`${links.revokedAt} IS NULL AND ${links.expiresAt} > now()`,
      origins: originsOf(links.workspaceId, links.mode),
    })
    .from(links)
    .innerJoin(workspaces, eq(workspaces.id, links.workspaceId))
    .innerJoin(domains, eq(domains.id, links.domainId))
    .where(eq(links.id, linkId));
  return row ?? null;
}

/**
 * The origins a link's thank-you URL may be on, and a Referer is kept from: every allowed origin
 * of the workspace's publishable keys in that mode that are not revoked. The sites that may put
 * the workspace's forms on their pages are the sites a person may be sent back to.
 */
export async function allowedOrigins(db: AnyDb, owner: Owner): Promise<string[]> {
  const rows = await db
    .selectDistinct({ origin: sql<string>`unnest(${apiKeys.allowedOrigins})` })
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, owner.workspaceId), eq(apiKeys.mode, owner.mode), eq(apiKeys.kind, "publishable"), isNull(apiKeys.revokedAt)));
  return rows.map((row) => row.origin);
}

// The same origins, for the link a visit reads (its workspace and mode are columns there).
const originsOf = (workspaceId: SQL | typeof links.workspaceId, mode: SQL | typeof links.mode) =>
  sql<string[]>`coalesce((SELECT array_agg(DISTINCT origin) FROM ${apiKeys}, unnest(${apiKeys.allowedOrigins}) AS origin
    WHERE ${apiKeys.workspaceId} = ${workspaceId} AND ${apiKeys.mode} = ${mode} AND ${apiKeys.kind} = 'publishable' AND ${apiKeys.revokedAt} IS NULL), '{}')`;

/** The link's status by this clock (a list reads it by the database's). */
export function statusOf(row: LinkRow, now = new Date()): LinkStatus {
  if (row.revokedAt) return "revoked";
  return row.expiresAt.getTime() <= now.getTime() ? "expired" : "active";
}

/** A link as the API shows it (schemas/links.ts Link); its token and URL are made from the row by the caller. */
export function linkJson(row: LinkRow, made: { token: string | null; url: string | null }): Link {
  return {
    id: row.id,
    domain_id: row.domainId,
    mode: row.mode,
    params: row.params,
    thank_you_url: row.thankYouUrl,
    status: statusOf(row),
    token: made.token,
    url: made.url,
    expires_at: iso(row.expiresAt),
    revoked_at: row.revokedAt ? iso(row.revokedAt) : null,
    created_at: iso(row.createdAt),
  };
}
