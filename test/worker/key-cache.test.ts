import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index.ts";
import type { Bindings } from "../../functions/env.ts";
import { apiKeys } from "../../db/schema/index.ts";
import { markRevoked } from "../../functions/lib/redis.ts";
import { bearer, db, incoming, json, makeDomain, makeKey, tenant, testEnv } from "./fixtures.ts";
import { countWritten } from "./rows.ts";

// A key's lookup is cached per isolate (functions/lib/key-cache.ts); revocation is not: a cached
// key is checked against its revocation marker in the rate limit's round trip to Redis, and read
// again from PostgreSQL when Redis cannot answer. Every request here goes to the same module, so
// it sees the same cache.

const bindings = env as unknown as Bindings;
const redisDown = { ...bindings, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" } as Bindings;

async function send(path: string, init: RequestInit, with_: Bindings = bindings) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(incoming(path, init), with_, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const revokedInDatabaseOnly = (id: string) => db().update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));

describe("the key cache", () => {
  it("serves a key from the cache: a scope removed in the database alone is not seen at once", async () => {
    const { live } = await tenant();
    expect((await send("/v1/leads", { headers: bearer(live.key) })).status).toBe(200);
    // Changed behind the API's back, with no marker: the cached row still has leads:read.
    await db().update(apiKeys).set({ scopes: ["callbacks:read"] }).where(eq(apiKeys.id, live.id));
    expect((await send("/v1/leads", { headers: bearer(live.key) })).status).toBe(200);
  });

  it("refuses a cached key at once once it is revoked through the API", async () => {
    const { workspace, live } = await tenant();
    const victim = await makeKey(workspace.id);
    const domain = await makeDomain(workspace.id);
    expect((await send("/v1/me", { headers: bearer(victim.key) })).status).toBe(200);
    const revoked = await send(`/v1/keys/${victim.id}/revoke`, { method: "POST", headers: bearer(live.key) });
    expect(revoked.status).toBe(200);
    expect((await send("/v1/me", { headers: bearer(victim.key) })).status).toBe(401);
    // An intake route counts the request late (after reading the body): still refused, nothing written.
    const before = await countWritten(workspace.id);
    const intake = await send("/api/v1/form_responses", json(victim.key, { form_response: { domain_id: domain.id, form_data: { phone: "+14155550100" } } }));
    expect(intake.status).toBe(401);
    expect(await countWritten(workspace.id)).toBe(before);
  });

  it("refuses a cached key on its marker alone, as an isolate that did not revoke it must, and remembers no answer for its Idempotency-Key", async () => {
    const { workspace, live } = await tenant();
    const victim = await makeKey(workspace.id);
    const domain = await makeDomain(workspace.id);
    expect((await send("/v1/me", { headers: bearer(victim.key) })).status).toBe(200);
    // Another isolate revoked it: here only the marker says so (the row is left as it was, so
    // only the marker can refuse it).
    await markRevoked(testEnv(), victim.id);
    const body = { form_response: { domain_id: domain.id, form_data: { phone: "+14155550100" } } };
    const again = (key: string) => send("/api/v1/form_responses", json(key, body, { "Idempotency-Key": "same-request" }));
    expect((await again(victim.key)).status).toBe(401);
    expect(await countWritten(workspace.id)).toBe(0);
    // The same request with a valid key runs: the 401 was about the key, not the request.
    const valid = await again(live.key);
    expect(valid.status).toBe(201);
    expect(valid.headers.get("idempotent-replayed")).toBeNull();
  });

  it("without a marker, a revocation made behind the API's back is seen when the cache entry expires, not at once", async () => {
    const { live } = await tenant();
    expect((await send("/v1/me", { headers: bearer(live.key) })).status).toBe(200);
    await revokedInDatabaseOnly(live.id);
    // The window the README states (at most 60 s): only a revocation that could not write its marker has it.
    expect((await send("/v1/me", { headers: bearer(live.key) })).status).toBe(200);
  });

  it("a key revoked by its own request is refused on the next one", async () => {
    const { live } = await tenant();
    expect((await send(`/v1/keys/${live.id}/revoke`, { method: "POST", headers: bearer(live.key) })).status).toBe(200);
    expect((await send("/v1/me", { headers: bearer(live.key) })).status).toBe(401);
  });

  it("with Redis down, reads a cached key again from PostgreSQL: a revocation Redis never heard of still counts", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id);
    expect((await send("/v1/me", { headers: bearer(live.key) })).status).toBe(200);
    await revokedInDatabaseOnly(live.id);
    const me = await send("/v1/me", { headers: bearer(live.key) }, redisDown);
    expect(me.status).toBe(401);
    const intake = await send("/api/v1/form_responses", json(live.key, { form_response: { domain_id: domain.id, form_data: { phone: "+14155550100" } } }), redisDown);
    expect(intake.status).toBe(401);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("with Redis down, a cached key that is still valid works, unlimited", async () => {
    const { live } = await tenant();
    expect((await send("/v1/me", { headers: bearer(live.key) })).status).toBe(200);
    const res = await send("/v1/me", { headers: bearer(live.key) }, redisDown);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-degraded")).toBe("1");
  });
});
