import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Caller } from "../context.ts";
import { findKey, touchKey } from "../../db/queries/api-keys.ts";
import type { KeyKind, Scope } from "../../schemas/scopes.ts";
import { ApiError } from "./errors.ts";
import { cachedKey, dueForTouch, rememberKey } from "./key-cache.ts";
import { constantTimeEqual, hashKey, parseKey } from "./keys.ts";
import { memberOf } from "./members.ts";

// Where a route lets a key come from. Query and body keys exist for plain GET links and form
// posts (Brightcall); routes opt into them one by one. "publishable-query" is `api_key` in the
// URL for a publishable key only: a browser's preflight carries no header key, so a page names
// its key in the URL for the preflight to be answered per key (lib/browser.ts); a secret key
// there is refused, never used, as it has leaked into logs and history by then.
export type KeySource = "authorization" | "x-api-key" | "query" | "publishable-query" | "body";

export type AuthOptions = {
  sources?: KeySource[];
  kinds?: KeyKind[];
  scope?: Scope;
  /** The scope a publishable key needs instead, where the route's is one it cannot have (intake:write). */
  publishableScope?: Scope;
  /** Seed 001's call logs only: secret keys from web pages, as that seed has it. */
  secretFromBrowsers?: boolean;
};


const headerSources: KeySource[] = ["authorization", "x-api-key"];

/** Authenticates the request's API key and puts the caller in `c.var.caller`. */
export function requireKey(options: AuthOptions = {}): MiddlewareHandler<AppEnv> {
  const sources = options.sources ?? headerSources;
  const kinds = options.kinds ?? ["secret"];
  return async (c, next) => {
    const member = memberOf(c.req.raw);
    if (member) return asMember(c, member, kinds, options.scope, next);
    // Refused even beside a key in a header: a secret key in a URL is leaked wherever the URL goes.
    const inUrl = sources.includes("publishable-query") ? c.req.query("api_key")?.trim() : undefined;
    if (inUrl && parseKey(inUrl)?.kind === "secret") {
      throw new ApiError("forbidden", "A secret key must never be put in a URL: send it in Authorization, from a server");
    }
    const found = await readKey(c, sources);
    if (!found) throw new ApiError("unauthorized", "An API key is required", { facts: { reason: "missing" } });
    const caller = await authenticate(c, found.key);
    if (!kinds.includes(caller.key.kind)) {
      throw new ApiError("forbidden", `A ${caller.key.kind} key cannot call this endpoint`);
    }
    if (caller.key.kind === "publishable") checkOrigin(c, caller.key.allowedOrigins);
    else if (!options.secretFromBrowsers && fromAnotherSite(c)) {
      throw new ApiError("forbidden", "A secret key cannot be used from a web page: use a publishable key (rb_pk_…) there, and keep secret keys on servers");
    }
    const scope = caller.key.kind === "publishable" ? (options.publishableScope ?? options.scope) : options.scope;
    if (scope && !caller.key.scopes.includes(scope)) {
      throw new ApiError("forbidden", `This key lacks the ${scope} scope`);
    }
    // Only a key that may call the route learns whether an agent exists.
    checkAgent(c, caller);
    c.set("caller", caller);
    c.set("owner", { workspaceId: caller.workspace.id, mode: caller.mode });
    const check = c.var.keyCheck;
    if (check && dueForTouch(check.hash, check.agentId)) c.executionCtx.waitUntil(touchKey(c.var.db, caller.key.id).catch(() => undefined));
    await next();
  };
}

/** A console member's in-process call: a secret key's routes, under the scopes of their role. */
async function asMember(c: Context<AppEnv>, member: Caller, kinds: KeyKind[], scope: Scope | undefined, next: () => Promise<void>) {
  if (!kinds.includes("secret")) throw new ApiError("forbidden", "The console cannot call this endpoint");
  if (scope && !member.key.scopes.includes(scope)) {
    throw new ApiError("forbidden", `Your role cannot do this (it lacks the ${scope} scope)`);
  }
  c.set("caller", member);
  c.set("owner", { workspaceId: member.workspace.id, mode: member.mode });
  await next();
}

async function authenticate(c: Context<AppEnv>, key: string): Promise<Caller> {
  const caller = await activeKey(c, key, c.req.header("x-agent-id")?.trim() || null);
  if (!caller) throw new ApiError("unauthorized", "The API key is not valid", { facts: { reason: "invalid" } });
  return caller;
}

/**
 * The caller a well-formed, known, unrevoked key of its own mode stands for; null for any other key.
 * From this isolate's cache when it is there (lib/key-cache.ts): `c.var.keyCheck` then says so,
 * and the request's rate-limit round trip confirms the key is not revoked (lib/ratelimit.ts).
 */
export async function activeKey(c: Context<AppEnv>, key: string, agentId: string | null): Promise<Caller | null> {
  const shape = parseKey(key);
  if (!shape) return null;
  const hash = await hashKey(key);
  const cached = cachedKey(hash, agentId);
  const found = cached ?? (await findKey(c.var.db, hash, agentId));
  if (!found || found.key.revokedAt || !constantTimeEqual(found.key.keyHash, hash) || found.key.mode !== shape.mode) return null;
  if (!cached) rememberKey(hash, agentId, found);
  c.set("keyCheck", { id: found.key.id, hash, agentId, cached: cached !== null });
  return callerOf(found);
}

export function callerOf(found: NonNullable<Awaited<ReturnType<typeof findKey>>>): Caller {
  const { keyHash: _hash, ...safeKey } = found.key;
  return { workspace: found.workspace, mode: found.key.mode, key: safeKey, agent: found.agent };
}

/**
 * X-Agent-ID, when given, names an agent of the key's workspace and mode, and the key's own if it
 * is bound to one. A publishable key is public, so it may not choose who is rung.
 */
function checkAgent(c: Context<AppEnv>, caller: Caller): void {
  const agentId = c.req.header("x-agent-id")?.trim() || null;
  if (!agentId) return;
  if (caller.key.kind === "publishable") throw new ApiError("forbidden", "X-Agent-ID chooses who is rung: a secret key is required for it");
  if (!caller.agent) throw new ApiError("not_found", `No agent ${agentId} in this workspace`);
  if (caller.key.agentId && caller.key.agentId !== agentId) throw new ApiError("forbidden", "This key acts for another agent");
}

async function readKey(c: Context<AppEnv>, sources: KeySource[]): Promise<{ key: string; source: KeySource } | null> {
  for (const source of sources) {
    const key = await keyFrom(c, source);
    if (key) return { key, source };
  }
  return null;
}

async function keyFrom(c: Context<AppEnv>, source: KeySource): Promise<string | null> {
  switch (source) {
    case "authorization": {
      // "Bearer <key>", or the bare key, which some seed clients send.
      const value = c.req.header("authorization")?.trim();
      if (!value) return null;
      const bearer = /^bearer(?:\s+(.*))?$/i.exec(value);
      return (bearer ? bearer[1]?.trim() : value) || null;
    }
    case "x-api-key":
      return c.req.header("x-api-key")?.trim() || null;
    case "query":
    case "publishable-query":
      return c.req.query("api_key")?.trim() || null;
    case "body":
      return keyInBody(c);
  }
}

async function keyInBody(c: Context<AppEnv>): Promise<string | null> {
  const type = c.req.header("content-type") ?? "";
  try {
    const body: unknown = type.includes("application/json")
      ? await c.req.json()
      : type.includes("form")
        ? await c.req.parseBody()
        : null;
    const value = body && typeof body === "object" && "api_key" in body ? body.api_key : null;
    return typeof value === "string" ? value.trim() || null : null;
  } catch {
    return null; // the route's own validation reports a malformed body
  }
}

/**
 * A publishable key works only from the origins it lists: a key that lists none works from
 * nowhere (the management API cannot make one; older rows may be such), and a request without
 * an Origin, a plain link or a server, is refused too.
 */
function checkOrigin(c: Context<AppEnv>, allowed: string[]): void {
  if (allowed.length === 0) throw new ApiError("forbidden", "This publishable key has no allowed origins, so it works from none");
  const origin = c.req.header("origin");
  if (!origin || !allowed.includes(origin)) {
    throw new ApiError("forbidden", "This publishable key is not allowed from this origin");
  }
}

/**
 * A request a web page on another site sent: browsers name the page's origin in Origin on
 * every cross-origin request (and on same-origin POSTs, which is why /docs' try-it, served by
 * this Worker, is not one).
 */
function fromAnotherSite(c: Context<AppEnv>): boolean {
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== new URL(c.req.url).origin;
}
