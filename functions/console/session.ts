import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";
import { findSession, insertSession, type Role, type Session } from "../../db/queries/sessions.ts";
import { toBase64Url } from "../lib/base64url.ts";
import { constantTimeEqual, hashKey } from "../lib/keys.ts";
import type { Mode } from "../../schemas/scopes.ts";

// The console's sessions. The cookie holds 32 random bytes; the database holds their sha256.
// It is HttpOnly (no script reads it), Secure (browsers treat http://127.0.0.1 and localhost as
// secure, so dev works too), SameSite=Lax (a link from elsewhere opens the console signed in, but
// no other site's form or script sends it with a POST) and lasts eight hours: a working day.
//
// Every state-changing form also carries a CSRF token: an HMAC of the session's token, so it
// needs no storage, differs per session, and cannot be made without the cookie. POSTs must also
// come from this origin when the browser says where they come from.

export const sessionCookie = "rb_session";
export const sessionHours = 8;

export type ConsoleVars = { session: Session; token: string; csrf: string };
export type ConsoleEnv = AppEnv & { Variables: AppEnv["Variables"] & Partial<ConsoleVars> };

export async function startSession(c: Context<ConsoleEnv>, userId: string, workspaceId: string, mode: Mode): Promise<void> {
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = new Date(Date.now() + sessionHours * 3600_000);
  await insertSession(c.var.db, { tokenHash: await hashKey(token), userId, workspaceId, mode, expiresAt });
  setCookie(c, sessionCookie, token, { path: "/", httpOnly: true, secure: true, sameSite: "Lax", maxAge: sessionHours * 3600 });
}

export function endSessionCookie(c: Context<ConsoleEnv>): void {
  deleteCookie(c, sessionCookie, { path: "/", secure: true });
}

/** The session the request's cookie names, with its CSRF token; null if none is live. */
export async function currentSession(c: Context<ConsoleEnv>): Promise<ConsoleVars | null> {
  const token = getCookie(c, sessionCookie);
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const session = await findSession(c.var.db, await hashKey(token));
  return session ? { session, token, csrf: await csrfToken(token) } : null;
}

export async function csrfToken(sessionToken: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(sessionToken), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("ringback console csrf"))));
}

/** True if a state-changing request carries this session's token and, where the browser says, comes from here. */
export function sameOriginWithToken(c: Context<ConsoleEnv>, expected: string, given: unknown): boolean {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) return false;
  return typeof given === "string" && constantTimeEqual(given, expected);
}

/** Whether a role may change anything: viewers only look. */
export const canChange = (role: Role) => role !== "viewer";
