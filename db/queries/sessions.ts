import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { memberships, sessions, users, workspaces } from "../schema/index.ts";
import type { Mode } from "../../schemas/scopes.ts";

// Console sign-in: users, their memberships and their sessions. A session is found by the
// sha256 of its cookie's token, with its user, role and workspace, in one statement.

export type Role = (typeof memberships.$inferSelect)["role"];

/** The user with this email (any case) and the workspaces they belong to, first joined first. */
export async function findLogin(db: Db, email: string) {
  const rows = await db
    .select({ user: users, workspaceId: memberships.workspaceId })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .where(eq(sql`lower(${users.email})`, email.toLowerCase()))
    .orderBy(memberships.createdAt);
  const first = rows[0];
  return first ? { user: first.user, workspaceIds: rows.map((r) => r.workspaceId) } : null;
}

export async function setPasswordHash(db: Db, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, userId));
}

export async function insertSession(db: Db, row: { tokenHash: string; userId: string; workspaceId: string; mode: Mode; expiresAt: Date }) {
  await db.insert(sessions).values(row);
}

/**
 * The live session with this token hash: not revoked, not expired, and its user still a member
 * of its workspace (a removed member's sessions end at their next request).
 */
export async function findSession(db: Db, tokenHash: string) {
  const rows = await db
    .select({
      mode: sessions.mode,
      expiresAt: sessions.expiresAt,
      user: { id: users.id, email: users.email, name: users.name },
      role: memberships.role,
      workspace: workspaces,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(memberships, and(eq(memberships.userId, sessions.userId), eq(memberships.workspaceId, sessions.workspaceId)))
    .innerJoin(workspaces, eq(workspaces.id, sessions.workspaceId))
    .where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
    .limit(1);
  return rows[0] ?? null;
}

export type Session = NonNullable<Awaited<ReturnType<typeof findSession>>>;

export async function revokeSession(db: Db, tokenHash: string): Promise<void> {
  await db.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.tokenHash, tokenHash), isNull(sessions.revokedAt)));
}

export async function setSessionMode(db: Db, tokenHash: string, mode: Mode): Promise<void> {
  await db.update(sessions).set({ mode }).where(eq(sessions.tokenHash, tokenHash));
}

/** The workspaces a user may switch to, by name. */
export async function workspacesOf(db: Db, userId: string) {
  return db
    .select({ id: workspaces.id, name: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(workspaces.name);
}
