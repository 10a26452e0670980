import { randomBytes } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { hashPassword } from "../functions/console/password.ts";
import { newId } from "../schemas/ids.ts";
import * as schema from "../db/schema/index.ts";
import { AdminError, requireWorkspace, type AdminDb } from "./commands.ts";

// The people who sign in to the console: `user create` makes the first owner of a workspace (or
// adds a workspace to someone who has an account), and `npm run dev` makes its demo login.

export type Role = (typeof schema.role.enumValues)[number];

const minPasswordLength = 12;
const maxPasswordLength = 256;

type UserInput = { email: string; workspaceId: string; role: Role; name?: string; password?: string };

/**
 * Makes the user (a new one gets `password`, or a generated one printed once) and gives them
 * `role` in the workspace. Someone who already has an account gets the membership; their
 * password stays as it is, so giving one for them is refused rather than ignored. Run again
 * with the same role it changes nothing; with another, it is refused.
 */
export async function createUser(db: AdminDb, input: UserInput) {
  const email = emailOf(input.email);
  if (input.password !== undefined) checkPassword(input.password);
  return db.transaction(async (tx) => {
    await requireWorkspace(tx, input.workspaceId);
    let user = await findUser(tx, email);
    const created = !user;
    let generated: string | undefined;
    if (user && input.password !== undefined) {
      throw new AdminError(`${email} already has an account, and its password is left as it is: leave out the password to add the membership`);
    }
    if (!user) {
      generated = input.password === undefined ? newPassword() : undefined;
      const id = newId("user");
      await tx.insert(schema.users).values({ id, email, name: input.name ?? null, passwordHash: await hashPassword(input.password ?? generated ?? "") });
      user = { id, email };
    }
    // A role is not changed here: a second `user create` must not demote a workspace's owner.
    const [member] = await tx
      .insert(schema.memberships)
      .values({ userId: user.id, workspaceId: input.workspaceId, role: input.role })
      .onConflictDoNothing()
      .returning({ role: schema.memberships.role });
    if (!member) {
      const [held] = await tx.select({ role: schema.memberships.role }).from(schema.memberships).where(and(eq(schema.memberships.userId, user.id), eq(schema.memberships.workspaceId, input.workspaceId)));
      if (held && held.role !== input.role) throw new AdminError(`${email} is already ${held.role} of ${input.workspaceId}; user create does not change a role`);
    }
    return {
      user: { id: user.id, email, created },
      membership: { workspace_id: input.workspaceId, role: input.role },
      // Shown once, here, when it was made for them; only its PBKDF2 hash is stored.
      ...(generated !== undefined && { password: generated }),
    };
  });
}

/**
 * `npm run dev`'s demo login: this user, owner of the demo workspace, with a password made for
 * this run and returned to be printed (never written anywhere but as its hash).
 */
export async function resetDemoLogin(db: AdminDb, input: { email: string; workspaceId: string }): Promise<{ email: string; password: string }> {
  const email = emailOf(input.email);
  const password = newPassword();
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
    const found = await findUser(tx, email);
    const id = found?.id ?? newId("user");
    if (found) await tx.update(schema.users).set({ passwordHash, updatedAt: new Date() }).where(eq(schema.users.id, id));
    else await tx.insert(schema.users).values({ id, email, name: "Demo", passwordHash });
    await tx
      .insert(schema.memberships)
      .values({ userId: id, workspaceId: input.workspaceId, role: "owner" })
      .onConflictDoUpdate({ target: [schema.memberships.userId, schema.memberships.workspaceId], set: { role: "owner" } });
  });
  return { email, password };
}

/** Users and their memberships, of one workspace or all; never a password hash. */
export async function listUsers(db: AdminDb, workspaceId?: string) {
  const rows = await db
    .select({
      id: schema.users.id,
      email: schema.users.email,
      name: schema.users.name,
      created_at: schema.users.createdAt,
      workspace_id: schema.memberships.workspaceId,
      role: schema.memberships.role,
    })
    .from(schema.users)
    .leftJoin(schema.memberships, eq(schema.memberships.userId, schema.users.id))
    .where(workspaceId ? eq(schema.memberships.workspaceId, workspaceId) : undefined)
    .orderBy(asc(schema.users.email), asc(schema.memberships.workspaceId));
  const users = new Map<string, { id: string; email: string; name: string | null; created_at: Date; memberships: { workspace_id: string; role: Role }[] }>();
  for (const row of rows) {
    const user = users.get(row.id) ?? { id: row.id, email: row.email, name: row.name, created_at: row.created_at, memberships: [] };
    if (row.workspace_id && row.role) user.memberships.push({ workspace_id: row.workspace_id, role: row.role });
    users.set(row.id, user);
  }
  return { users: [...users.values()] };
}

export function roleOf(value: string): Role {
  const roles = schema.role.enumValues;
  if (!(roles as readonly string[]).includes(value)) throw new AdminError(`--role must be one of ${roles.join(", ")}`);
  return value as Role;
}

// 18 random bytes: 144 bits, 24 characters a person can copy.
const newPassword = () => randomBytes(18).toString("base64url");

function emailOf(text: string): string {
  const email = text.trim().toLowerCase();
  if (!z.email().safeParse(email).success) throw new AdminError(`${text} is not an email address`);
  return email;
}

function checkPassword(password: string): void {
  if (password.length < minPasswordLength || password.length > maxPasswordLength) {
    throw new AdminError(`a password must be ${minPasswordLength} to ${maxPasswordLength} characters (leave it out to have one made)`);
  }
}

async function findUser(db: AdminDb, email: string): Promise<{ id: string; email: string } | undefined> {
  // The unique index is on lower(email): look up the same way, for rows from before lower-casing.
  const [row] = await db.select({ id: schema.users.id, email: schema.users.email }).from(schema.users).where(eq(sql`lower(${schema.users.email})`, email));
  return row;
}
