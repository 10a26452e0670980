import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { ApiFetch } from "./api.ts";
import { safeNext } from "./login.tsx";
import type { ConsoleEnv, ConsoleVars } from "./session.ts";
import type { Flash } from "./ui.tsx";

// What the console's pages share besides their markup: the shape of a section of pages, where a
// form sends the browser next, and the message it carries there.

/** A console page's handler: the request, the signed-in member, and the API to call as them. */
export type ConsoleHandler = (c: Context<ConsoleEnv>, vars: ConsoleVars, api: ApiFetch) => Response | Promise<Response>;
/** A section's pages by path: GETs show, POSTs change (and are refused to viewers before they run). */
export type Section = { get: Record<string, ConsoleHandler>; post: Record<string, ConsoleHandler> };

/** Where a form sends the browser back to: the page it was on, if that is this site. */
export function backTo(c: Context<ConsoleEnv>, fallback = "/"): string {
  const referer = c.req.header("referer");
  if (!referer) return fallback;
  const url = new URL(referer);
  return url.origin === new URL(c.req.url).origin ? safeNext(url.pathname + url.search) : fallback;
}

// A message for the next page, in a short-lived cookie: the redirect after a POST carries it.
const flashCookie = "rb_flash";

export function flash(c: Context<ConsoleEnv>, kind: Flash["kind"], text: string): void {
  setCookie(c, flashCookie, encodeURIComponent(JSON.stringify({ kind, text: text.slice(0, 600) })), { path: "/", httpOnly: true, secure: true, sameSite: "Lax", maxAge: 60 });
}

export function takeFlash(c: Context<ConsoleEnv>): Flash | null {
  const value = getCookie(c, flashCookie);
  if (!value) return null;
  deleteCookie(c, flashCookie, { path: "/", secure: true });
  try {
    const parsed = JSON.parse(decodeURIComponent(value)) as Flash;
    return (parsed.kind === "notice" || parsed.kind === "error") && typeof parsed.text === "string" ? parsed : null;
  } catch {
    return null;
  }
}

/** A form's text fields, trimmed; files and repeated names are left out. */
export async function formFields(c: Context<ConsoleEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === "string" && name !== "_csrf") fields[name] = value.trim();
  return fields;
}

/** The page's `:id`, which its route always has. */
export const idParam = (c: Context<ConsoleEnv>) => c.req.param("id") ?? "";
