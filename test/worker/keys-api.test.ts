import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiKeys } from "../../db/schema/index.ts";
import { hashKey } from "../../functions/lib/keys.ts";
import { ApiKey, ApiKeyList, CreatedApiKey } from "../../schemas/keys.ts";
import { scopes } from "../../schemas/scopes.ts";
import { call, db, makeAgent, makeKey, tenant } from "./fixtures.ts";
import { expectProblem, get, invalidBody, post, problem } from "./native-helpers.ts";
import { expectRefusal, send } from "./route-families.ts";

// /v1/keys: a key is shown whole once, works until revoked, and no key makes or revokes a key
// with more authority than its own.

const keyCount = async (workspaceId: string) => db().$count(apiKeys, eq(apiKeys.workspaceId, workspaceId));

async function created(key: string, body: Record<string, unknown> = {}) {
  const res = await post("/v1/keys", key, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return CreatedApiKey.parse(await res.json());
}

describe("POST /v1/keys", () => {
  it("shows the key once; it works, its hash alone is stored, and reads never show it", async () => {
    const { live, workspace } = await tenant();
    const made = await created(live.key, { name: "CI", scopes: ["leads:read", "callbacks:read"] });
    expect(made).toMatchObject({ kind: "secret", name: "CI", prefix: "rb_live_", scopes: ["leads:read", "callbacks:read"], agent_id: null, allowed_origins: [], mode: "live", revoked_at: null });
    expect(made.key).toMatch(/^rb_live_[0-9A-Za-z]{32}$/);
    expect(made.last4).toBe(made.key.slice(-4));
    const [row] = await db().select().from(apiKeys).where(eq(apiKeys.id, made.id));
    expect(row?.keyHash).toBe(await hashKey(made.key));
    expect(JSON.stringify(row)).not.toContain(made.key);

    for (const res of [await get("/v1/keys", live.key), await get(`/v1/keys/${made.id}`, live.key)]) {
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).not.toContain(made.key);
      expect(text).not.toContain(row?.keyHash ?? "?");
    }
    const { key: _shown, ...rest } = made;
    expect(ApiKey.parse(await (await get(`/v1/keys/${made.id}`, live.key)).json())).toEqual({ ...rest, last_used_at: null });

    // It works, within its scopes.
    expect((await get("/v1/leads", made.key)).status).toBe(200);
    await expectProblem(await get("/v1/agents", made.key), problem("forbidden", "This key lacks the agents:read scope"));
    expect(await keyCount(workspace.id)).toBe(3);
  });

  it("makes keys in the caller's mode, with the caller's scopes by default", async () => {
    const { workspace } = await tenant();
    const narrow = await makeKey(workspace.id, { mode: "test", scopes: ["keys:write", "leads:read"] });
    const made = await created(narrow.key);
    expect(made).toMatchObject({ prefix: "rb_test_", mode: "test", scopes: ["keys:write", "leads:read"] });
    expect(made.key).toMatch(/^rb_test_/);
    await expectProblem(await post("/v1/keys", narrow.key, { mode: "live" }), invalidBody(["mode", "is not a known field"]));
  });

  it("refuses a scope the caller lacks: 403 naming them, nothing written", async () => {
    const { workspace } = await tenant();
    const narrow = await makeKey(workspace.id, { scopes: ["keys:write", "leads:read"] });
    const before = await keyCount(workspace.id);
    await expectProblem(
      await post("/v1/keys", narrow.key, { scopes: ["leads:read", "keys:read", "dnc:write"] }),
      problem("forbidden", "This key cannot grant scopes it does not have: keys:read, dnc:write"),
    );
    await expectProblem(
      await post("/v1/keys", narrow.key, { kind: "publishable", allowed_origins: ["https://shop.example"] }),
      problem("forbidden", "This key cannot grant scopes it does not have: intake:write"),
    );
    expect(await keyCount(workspace.id)).toBe(before);
  });

  it("binds keys made by an agent's key to that agent, and refuses another agent's", async () => {
    const { workspace } = await tenant();
    const agent = await makeAgent(workspace.id);
    const other = await makeAgent(workspace.id);
    const bound = await makeKey(workspace.id, { agentId: agent.id, scopes: ["keys:write", "intake:write"] });
    expect(await created(bound.key, { scopes: ["intake:write"] })).toMatchObject({ agent_id: agent.id });
    await expectProblem(
      await post("/v1/keys", bound.key, { agent_id: other.id, scopes: ["intake:write"] }),
      problem("forbidden", `This key acts for agent ${agent.id}: it can grant only keys bound to that agent`),
    );
  });

  it("makes a publishable key for its origins, and it takes leads only from them", async () => {
    const { live, workspace } = await tenant();
    const made = await created(live.key, { kind: "publishable", allowed_origins: ["https://shop.example"] });
    expect(made).toMatchObject({ kind: "publishable", prefix: "rb_pk_live_", scopes: ["intake:write"], allowed_origins: ["https://shop.example"] });
    const form = (origin: string) => ({ ...send("POST", made.key, { form_response: { domain_id: "dom_x", form_data: { phone: "+14155550100" } } }), headers: { Authorization: `Bearer ${made.key}`, "Content-Type": "application/json", Origin: origin } });
    expect((await call("/api/v1/form_responses", form("https://evil.example"))).status).toBe(403);
    expect((await call("/api/v1/form_responses", form("https://shop.example"))).status).not.toBe(403);
    expect(await keyCount(workspace.id)).toBe(3);
  });

  it.each([
    [{ kind: "publishable" }, [["allowed_origins", "a publishable key needs at least one allowed origin"]]],
    [{ kind: "publishable", allowed_origins: ["https://a.example"], scopes: ["leads:read"] }, [["scopes", "a publishable key can only have intake:write"]]],
    [{ kind: "publishable", allowed_origins: ["https://a.example"], agent_id: "agt_x" }, [["agent_id", "only a secret key can be bound to an agent"]]],
    [{ allowed_origins: ["https://a.example"] }, [["allowed_origins", "only publishable keys are checked against origins"]]],
    [{ kind: "publishable", allowed_origins: ["https://a.example/path"] }, [["allowed_origins.0", "must be an origin such as https://example.com, without a path or a trailing slash"]]],
    [{ scopes: ["leads:read", "leads:read"] }, [["scopes", "lists a scope twice"]]],
    [{ scopes: ["everything"] }, [["scopes.0", expect.stringContaining("Invalid option")]]],
    [{ scopes: [] }, [["scopes", "Too small: expected array to have >=1 items"]]],
    [{ kind: "root" }, [["kind", 'Invalid option: expected one of "secret"|"publishable"']]],
  ])("refuses %j: 422 on the field, nothing written", async (body, errors) => {
    const { live, workspace } = await tenant();
    const res = await post("/v1/keys", live.key, body);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject(invalidBody(...(errors as [string, string][])));
    expect(await keyCount(workspace.id)).toBe(2);
  });

  it("refuses an agent of another workspace or mode: 422 on agent_id", async () => {
    const { live, workspace } = await tenant();
    const other = await tenant();
    for (const agent of [await makeAgent(other.workspace.id), await makeAgent(workspace.id, "test")]) {
      await expectProblem(await post("/v1/keys", live.key, { agent_id: agent.id }), invalidBody(["agent_id", "is not an agent of this workspace and mode"]));
    }
    expect(await keyCount(workspace.id)).toBe(2);
  });

  it.each([["a NUL", "CI\u0000"], ["a lone surrogate", "CI\ud800"]])("refuses %s in a name or an origin: 400, nothing written", async (_what, text) => {
    const { live, workspace } = await tenant();
    await expectRefusal(await call("/v1/keys", send("POST", live.key, { name: text })), "problem", 400);
    await expectRefusal(await call("/v1/keys", send("POST", live.key, { kind: "publishable", allowed_origins: [`https://${text}`] })), "problem", 400);
    expect(await keyCount(workspace.id)).toBe(2);
  });

  it("takes valueOf and __proto__ as names like any other: 422 and 400, nothing written", async () => {
    const { live, workspace } = await tenant();
    expect((await post("/v1/keys", live.key, { valueOf: "x" })).status).toBe(422);
    const proto = { method: "POST", headers: { Authorization: `Bearer ${live.key}`, "Content-Type": "application/json" }, body: '{"__proto__":{"kind":"publishable"}}' };
    await expectRefusal(await call("/v1/keys", proto), "problem", 400);
    expect(await keyCount(workspace.id)).toBe(2);
  });
});

describe("POST /v1/keys/:id/revoke", () => {
  it("stops the key working; repeating keeps the first revoked_at", async () => {
    const { live } = await tenant();
    const made = await created(live.key, { scopes: ["leads:read"] });
    expect((await get("/v1/leads", made.key)).status).toBe(200);
    const res = await post(`/v1/keys/${made.id}/revoke`, live.key);
    expect(res.status).toBe(200);
    const revoked = ApiKey.parse(await res.json());
    expect(revoked.revoked_at).not.toBeNull();
    await expectProblem(await get("/v1/leads", made.key), problem("unauthorized", "The API key is not valid"));
    const again = ApiKey.parse(await (await post(`/v1/keys/${made.id}/revoke`, live.key)).json());
    expect(again.revoked_at).toBe(revoked.revoked_at);
    const listed = ApiKeyList.parse(await (await get("/v1/keys?revoked=true", live.key)).json());
    expect(listed.data.map((k) => k.id)).toEqual([made.id]);
  });

  it("lets a key revoke itself; its next request is a 401", async () => {
    const { workspace } = await tenant();
    const self = await makeKey(workspace.id, { scopes: ["keys:write"] });
    expect((await post(`/v1/keys/${self.id}/revoke`, self.key)).status).toBe(200);
    await expectProblem(await get("/v1/keys", self.key), problem("unauthorized", "The API key is not valid"));
  });

  it("refuses to revoke a key with scopes the caller lacks: 403, the key still works", async () => {
    const { live, workspace } = await tenant();
    const narrow = await makeKey(workspace.id, { scopes: ["keys:write"] });
    const [full] = await db().select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, await hashKey(live.key)));
    await expectProblem(
      await post(`/v1/keys/${full?.id}/revoke`, narrow.key),
      problem("forbidden", `This key cannot revoke a key with scopes it does not have: ${scopes.filter((s) => s !== "keys:write").join(", ")}`),
    );
    expect((await get("/v1/me", live.key)).status).toBe(200);
  });
});

describe("whose keys", () => {
  it("404s another workspace's key and the other mode's, and revokes nothing", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const id = async (key: string) => (await db().select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, await hashKey(key))))[0]?.id ?? "";
    for (const [target, key] of [[await id(theirs.live.key), mine.live.key], [await id(mine.live.key), mine.test.key]] as const) {
      await expectProblem(await get(`/v1/keys/${target}`, key), problem("not_found", `No key ${target}`));
      await expectProblem(await post(`/v1/keys/${target}/revoke`, key), problem("not_found", `No key ${target}`));
    }
    expect((await get("/v1/me", theirs.live.key)).status).toBe(200);
    expect((await get("/v1/me", mine.live.key)).status).toBe(200);
    // Lists show only the key's own workspace and mode.
    const listed = ApiKeyList.parse(await (await get("/v1/keys", mine.test.key)).json());
    expect(listed.data.map((k) => k.mode)).toEqual(["test"]);
  });

  it("needs keys:read to list and keys:write to make or revoke (403)", async () => {
    const { workspace } = await tenant();
    const reader = await makeKey(workspace.id, { scopes: ["keys:read", "leads:read"] });
    const writer = await makeKey(workspace.id, { scopes: ["keys:write"] });
    await expectProblem(await post("/v1/keys", reader.key, { scopes: ["leads:read"] }), problem("forbidden", "This key lacks the keys:write scope"));
    await expectProblem(await post(`/v1/keys/${writer.id}/revoke`, reader.key), problem("forbidden", "This key lacks the keys:write scope"));
    await expectProblem(await get("/v1/keys", writer.key), problem("forbidden", "This key lacks the keys:read scope"));
    expect((await get("/v1/me", writer.key)).status).toBe(200);
  });
});
