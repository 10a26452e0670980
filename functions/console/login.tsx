import { Ratelimit } from "@upstash/ratelimit";
import type { Context } from "hono";
import { findLogin, setPasswordHash } from "../../db/queries/sessions.ts";
import { loggable } from "../lib/log-error.ts";
import { redisClient, redisKey } from "../lib/redis.ts";
import { hashPassword, needsRehash, verifyPassword } from "./password.ts";
import { type ConsoleEnv, startSession } from "./session.ts";
import { Document } from "./ui.tsx";

// Signing in. Attempts are limited per account from one address (10 in 15 minutes), per address
// (50) and per account from everywhere (100), counted whether they succeed or not, before the
// password is checked: a guesser is slowed the same whether they guess right. Keying the tight
// limit on account and address means a stranger who knows an email cannot lock its owner out
// with ten wrong guesses; only a guesser with many addresses reaches the account-wide limit.
// A wrong email and a wrong password get one answer, after the same work, so the form does not
// tell which accounts exist.

const window = "15 m";
export const loginLimits = { account: 10, address: 50, accountEverywhere: 100 } as const;

// Verified against when the email is unknown, so that answer takes as long as a wrong password.
let decoyHash: Promise<string> | undefined;
function decoy(): Promise<string> {
  decoyHash ??= hashPassword("decoy");
  return decoyHash;
}

export function LoginPage(props: { error?: string; email?: string; next?: string }) {
  return (
    <Document title="Sign in · Ringback">
      <main class="login">
        <h1>Sign in to Ringback</h1>
        {props.error && (
          <div class="flash error" role="alert">
            {props.error}
          </div>
        )}
        <form method="post" action="/login" class="stack card">
          <input type="hidden" name="next" value={props.next ?? "/"} />
          <label>
            Email
            <input type="email" name="email" autocomplete="username" required value={props.email ?? ""} />
          </label>
          <label>
            Password
            <input type="password" name="password" autocomplete="current-password" required />
          </label>
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">`npm run dev` prints a demo login; `npm run admin -- user create` makes one.</p>
      </main>
    </Document>
  );
}

export async function signIn(c: Context<ConsoleEnv>) {
  const form = await c.req.parseBody();
  const email = typeof form.email === "string" ? form.email.trim().toLowerCase().slice(0, 320) : "";
  const password = typeof form.password === "string" ? form.password.slice(0, 1024) : "";
  const next = safeNext(form.next);
  // A form from another site could sign a browser in to an account of the attacker's choosing.
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) return c.html(<LoginPage error="Sign in from this site's own page." />, 403);

  const wait = await limited(c, email);
  if (wait !== null) {
    c.header("Retry-After", String(wait));
    return c.html(<LoginPage email={email} next={next} error={`Too many sign-in attempts; try again in ${Math.ceil(wait / 60)} min.`} />, 429);
  }
  const login = email && password ? await findLogin(c.var.db, email) : null;
  const ok = await verifyPassword(password, login?.user.passwordHash ?? (await decoy()));
  const workspaceId = login?.workspaceIds[0];
  if (!login || !ok || !workspaceId) {
    return c.html(<LoginPage email={email} next={next} error="That email and password do not match an account." />, 401);
  }
  if (needsRehash(login.user.passwordHash)) await setPasswordHash(c.var.db, login.user.id, await hashPassword(password));
  await startSession(c, login.user.id, workspaceId, "test");
  return c.redirect(next, 303);
}

/** Seconds until another attempt is allowed, or null if this one may go ahead. Fails open when Redis is down. */
async function limited(c: Context<ConsoleEnv>, email: string): Promise<number | null> {
  const redis = redisClient(c.env);
  const address = c.req.header("cf-connecting-ip") ?? "local";
  const checks = [
    { id: `${email || "(none)"}|${address}`, limit: loginLimits.account, kind: "account" },
    { id: address, limit: loginLimits.address, kind: "address" },
    { id: email || "(none)", limit: loginLimits.accountEverywhere, kind: "account-everywhere" },
  ];
  try {
    const results = await Promise.all(
      checks.map((check) =>
        new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(check.limit, window), prefix: redisKey(c.env, "login", check.kind), timeout: 1000 }).limit(check.id),
      ),
    );
    const blocked = results.filter((r) => !r.success);
    if (blocked.length === 0) return null;
    return Math.max(1, Math.ceil((Math.max(...blocked.map((r) => r.reset)) - Date.now()) / 1000));
  } catch (err) {
    console.error("login rate limit: Redis unreachable; attempt allowed", loggable(err));
    return null;
  }
}

/** A path on this site to go to after signing in; anything else goes to the overview. */
export function safeNext(value: unknown): string {
  return typeof value === "string" && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : "/";
}
