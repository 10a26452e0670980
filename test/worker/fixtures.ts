import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { agents, apiKeys, domains, workspaces } from "../../db/schema/index.ts";
import { parseEnv, type Bindings, type Env } from "../../functions/env.ts";
import { httpDb } from "../../db/client.ts";
import { newId } from "../../schemas/ids.ts";
import { describeKey, generateKey, hashKey } from "../../functions/lib/keys.ts";
import { markRevoked } from "../../functions/lib/redis.ts";
import type { KeyKind, Mode } from "../../schemas/scopes.ts";
import { defaultScopes, type Scope } from "../../schemas/scopes.ts";
export { zoneAtHour } from "../zones.ts";

// Fixtures for Worker tests: real rows in this run's database, written through the same
// driver the Worker uses. Every test makes its own workspace, so tests never share state.

export const testEnv = (): Env => parseEnv(env as unknown as Bindings);
export const db = () => httpDb(testEnv());

/** A request as the Worker's fetch handler receives it, for calling the handler directly. */
export const incoming = (path: string, init?: RequestInit) =>
  new Request(`https://ringback.test${path}`, init) as Request<unknown, IncomingRequestCfProperties>;

/** Sends a request to the Worker's own fetch handler, as Cloudflare would. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://ringback.test${path}`, init));
}

export async function makeWorkspace(name = "Test workspace", settings: Partial<typeof workspaces.$inferInsert> = {}) {
  const id = newId("workspace");
  await db().insert(workspaces).values({ id, name, plan: "free", ...settings });
  return { id, name };
}

export async function makeDomain(workspaceId: string, mode: Mode = "live", settings: Partial<typeof domains.$inferInsert> = {}) {
  const id = newId("domain");
  const widgetKey = `wk_${crypto.randomUUID().replaceAll("-", "")}`;
  await db().insert(domains).values({ id, workspaceId, mode, name: "shop.example", widgetKey, ...settings });
  return { id, widgetKey };
}

export async function makeKey(
  workspaceId: string,
  options: { mode?: Mode; kind?: KeyKind; scopes?: Scope[]; agentId?: string; allowedOrigins?: string[] } = {},
) {
  const kind = options.kind ?? "secret";
  const mode = options.mode ?? "live";
  const key = generateKey(kind, mode);
  const id = newId("apiKey");
  await db()
    .insert(apiKeys)
    .values({
      id,
      workspaceId,
      mode,
      kind,
      keyHash: await hashKey(key),
      ...describeKey(key),
      scopes: options.scopes ?? defaultScopes[kind],
      agentId: options.agentId ?? null,
      allowedOrigins: options.allowedOrigins ?? [],
    });
  return { id, key };
}

/** Revokes a key as the revoke route does: the row, then the marker cached copies are checked against. */
export async function revoke(keyId: string) {
  await db().update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, keyId));
  await markRevoked(testEnv(), keyId);
}

export async function makeAgent(workspaceId: string, mode: Mode = "live") {
  const id = newId("agent");
  await db().insert(agents).values({ id, workspaceId, mode, name: "Agent Smith", phone: "+14155550100" });
  return { id };
}

/** A workspace with a live and a test secret key. */
export async function tenant(name?: string, settings: Partial<typeof workspaces.$inferInsert> = {}) {
  const workspace = await makeWorkspace(name, settings);
  const live = await makeKey(workspace.id, { mode: "live" });
  const test = await makeKey(workspace.id, { mode: "test" });
  return { workspace, live, test };
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export const json = (key: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}`, ...headers },
  body: JSON.stringify(body),
});

