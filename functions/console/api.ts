import type { Context } from "hono";
import type { Caller } from "../context.ts";
import { asMember } from "../lib/members.ts";
import { type Scope, scopes } from "../../schemas/scopes.ts";
import type { ConsoleEnv, ConsoleVars } from "./session.ts";

// Every page reads, and every form changes, through the public API: the console sends the API
// request in-process, as the signed-in member (lib/members.ts), and shows what the API answers,
// refusals included. A page cannot show what GET /v1/… would not, or do what a key could not.

export type ApiFetch = (request: Request, env: ConsoleEnv["Bindings"], ctx: Context<ConsoleEnv>["executionCtx"]) => Response | Promise<Response>;

/** What a role may do, as API scopes: owners and admins everything, viewers every read. */
export function scopesOf(role: ConsoleVars["session"]["role"]): Scope[] {
  return role === "viewer" ? scopes.filter((s) => s.endsWith(":read")) : [...scopes];
}

/** The caller the API sees for this member: a secret key of their workspace and mode that is never stored. */
function memberCaller({ session }: ConsoleVars): Caller {
  const { workspace, mode, user, role } = session;
  return {
    workspace,
    mode,
    agent: null,
    key: {
      id: `console:${user.id}`,
      workspaceId: workspace.id,
      mode,
      kind: "secret",
      name: `console: ${user.email}`,
      prefix: "console",
      last4: "",
      scopes: scopesOf(role),
      agentId: null,
      allowedOrigins: [],
      createdAt: new Date(0),
      lastUsedAt: null,
      revokedAt: null,
    },
  };
}

// The pages read answers by the schemas the API documents (and its tests hold it to); typing each
// read again here would repeat them, so an answer is loosely typed unless a page names its schema.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type ApiAnswer<T = any> = { status: number; ok: boolean; body: T; headers: Headers };

/** Sends one API request as the member and reads its JSON (or text, for a non-JSON answer). */
// biome-ignore lint/suspicious/noExplicitAny: see ApiAnswer
export async function callApi<T = any>(
  c: Context<ConsoleEnv>,
  fetchApi: ApiFetch,
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const vars = { session: c.var.session, token: c.var.token, csrf: c.var.csrf } as ConsoleVars;
  const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
  // Content-Length, which a Request made here does not get by itself: without it the API's body
  // limit reads the stream and makes a new Request, which is not the one that carries the member.
  const request = new Request(new URL(path, c.req.url), {
    method,
    headers: bytes === undefined ? {} : { "Content-Type": "application/json", "Content-Length": String(bytes.byteLength) },
    body: bytes,
  });
  const response = await fetchApi(asMember(request, memberCaller(vars)), c.env, c.executionCtx);
  const text = await response.text();
  const json = (response.headers.get("content-type") ?? "").includes("json") && text ? JSON.parse(text) : text;
  return { status: response.status, ok: response.ok, body: json, headers: response.headers };
}

/** The query string of the defined values, for building API paths from form filters. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
