import { Hono, type Context, type MiddlewareHandler } from "hono";
import { revokeSession, setSessionMode } from "../../db/queries/sessions.ts";
import { hashKey } from "../lib/keys.ts";
import type { ApiFetch } from "./api.ts";
import { script, stylesheet } from "./assets.ts";
import { backTo, type Section } from "./forms.ts";
import { LoginPage, safeNext, signIn } from "./login.tsx";
import { agentPages } from "./pages/agents.tsx";
import { callbackPages } from "./pages/callbacks.tsx";
import { dncPages } from "./pages/dnc.tsx";
import { domainPages } from "./pages/domains.tsx";
import { keyPages } from "./pages/keys.tsx";
import { leadPages } from "./pages/leads.tsx";
import { overviewPage } from "./pages/overview.tsx";
import { webhookPages } from "./pages/webhooks.tsx";
import { canChange, type ConsoleEnv, type ConsoleVars, currentSession, endSessionCookie, sameOriginWithToken } from "./session.ts";
import { Document } from "./ui.tsx";

// The operator console, served by the Worker at / (pages rendered here with Hono's JSX; a small
// script adds confirmations and live refresh). Pages read and forms change through the public
// API (api.ts), as the signed-in member; this file adds sign-in, sessions, CSRF and roles.

export function consoleRoutes(api: ApiFetch) {
  // Middleware is given route by route, never with use(): mounted at /, a use() would run for
  // every request the Worker serves, the API's included.
  const app = new Hono<ConsoleEnv>();

  app.get("/assets/console.css", securityHeaders, (c) => asset(c, stylesheet, "text/css"));
  app.get("/assets/console.js", securityHeaders, (c) => asset(c, script, "text/javascript"));

  app.get("/login", securityHeaders, async (c) => ((await currentSession(c)) ? c.redirect("/", 303) : c.html(<LoginPage next={safeNext(c.req.query("next"))} />)));
  app.post("/login", securityHeaders, signIn);

  app.post("/logout", securityHeaders, requireSession, async (c) => {
    await revokeSession(c.var.db, await hashKey(c.var.token ?? ""));
    endSessionCookie(c);
    return c.redirect("/login", 303);
  });
  app.post("/mode", securityHeaders, requireSession, async (c) => {
    const form = await c.req.parseBody();
    await setSessionMode(c.var.db, await hashKey(c.var.token ?? ""), form.mode === "live" ? "live" : "test");
    return c.redirect(backTo(c), 303);
  });

  const sections: Section[] = [overviewPage, leadPages, callbackPages, webhookPages, agentPages, domainPages, keyPages, dncPages];
  for (const section of sections) {
    for (const [path, handler] of Object.entries(section.get)) app.get(path, securityHeaders, requireSession, (c) => handler(c, varsOf(c), api));
    for (const [path, handler] of Object.entries(section.post)) {
      app.post(path, securityHeaders, requireSession, async (c) => {
        const vars = varsOf(c);
        if (!canChange(vars.session.role)) return forbidden(c, "Your role (viewer) can look but not change anything.");
        return handler(c, vars, api);
      });
    }
  }
  app.onError((err, c) => {
    console.error("console:", err instanceof Error ? err.stack : err);
    return c.html(<Document title="Error · Ringback"><main><h1>Something went wrong</h1><p><a href="/">Back to the overview</a></p></main></Document>, 500);
  });
  return app;
}

const varsOf = (c: Context<ConsoleEnv>) => ({ session: c.var.session, token: c.var.token, csrf: c.var.csrf }) as ConsoleVars;

/** Signed-in pages: no session, go to sign in; a POST must also carry the session's CSRF token. */
const requireSession: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const current = await currentSession(c);
  if (!current) {
    if (c.req.method === "GET") return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
    return c.html(<LoginPage error="Your session has ended; sign in again." />, 401);
  }
  c.set("session", current.session);
  c.set("token", current.token);
  c.set("csrf", current.csrf);
  if (c.req.method === "POST") {
    const form = await c.req.parseBody({ all: false });
    if (!sameOriginWithToken(c, current.csrf, form._csrf)) return forbidden(c, "This form has expired or came from another site; reload the page and try again.");
  }
  await next();
};

const securityHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  await next();
  c.header(
    "Content-Security-Policy",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "same-origin");
  if (!c.req.path.startsWith("/assets/")) c.header("Cache-Control", "no-store");
};

function asset(c: Context<ConsoleEnv>, body: string, type: string) {
  return c.body(body, 200, { "Content-Type": `${type}; charset=utf-8`, "Cache-Control": "public, max-age=3600" });
}

function forbidden(c: Context<ConsoleEnv>, text: string) {
  return c.html(<Document title="Not allowed · Ringback"><main><h1>Not allowed</h1><p>{text}</p><p><a href="/">Back to the overview</a></p></main></Document>, 403);
}
