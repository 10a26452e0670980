import { memberships, users } from "../../db/schema/index.ts";
import { hashPassword } from "../../functions/console/password.ts";
import { newId } from "../../schemas/ids.ts";
import { call, db } from "./fixtures.ts";

// Signing in to the console as a browser would: a user and membership in the database, the
// login form posted, the session cookie kept, and each POST carrying the page's CSRF token.

export type Role = "owner" | "admin" | "viewer";

/** A user of `workspaceId` with `role`; 1,000 iterations keeps tests fast (sign-in rehashes). */
export async function makeUser(workspaceId: string, role: Role = "owner", password = "correct horse battery staple") {
  const id = newId("user");
  const email = `${id}@example.com`;
  await db().insert(users).values({ id, email, passwordHash: await hashPassword(password, 1000) });
  await db().insert(memberships).values({ userId: id, workspaceId, role });
  return { id, email, password };
}

export type Browser = {
  cookie: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** POSTs a form with the session's CSRF token (or the one given, or none with `csrf: null`). */
  post(path: string, fields?: Record<string, string>, options?: { csrf?: string | null; headers?: Record<string, string> }): Promise<Response>;
  csrf(): Promise<string>;
};

export function loginForm(email: string, password: string, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams({ email, password }).toString(), redirect: "manual" };
}

/** Signs in and returns a browser holding the session cookie. */
export async function signIn(user: { email: string; password: string }): Promise<Browser> {
  const res = await call("/login", loginForm(user.email, user.password));
  if (res.status !== 303) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  const cookie = sessionCookieOf(res);
  if (!cookie) throw new Error("sign-in set no session cookie");
  return browser(cookie);
}

export function sessionCookieOf(res: Response): string | null {
  const header = res.headers.getSetCookie().find((c) => c.startsWith("rb_session="));
  return header ? (header.split(";")[0] ?? null) : null;
}

export function browser(cookie: string): Browser {
  const self: Browser = {
    cookie,
    get: (path, headers = {}) => call(path, { headers: { Cookie: cookie, ...headers }, redirect: "manual" }),
    async csrf() {
      const html = await (await self.get("/")).text();
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      if (!token) throw new Error("no CSRF token on the overview");
      return token;
    },
    async post(path, fields = {}, options = {}) {
      const csrf = options.csrf === undefined ? await self.csrf() : options.csrf;
      const body = new URLSearchParams({ ...(csrf !== null && { _csrf: csrf }), ...fields });
      return call(path, {
        method: "POST",
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", ...options.headers },
        body: body.toString(),
        redirect: "manual",
      });
    },
  };
  return self;
}
