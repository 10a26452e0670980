import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { apiKeys } from "../../db/schema/index.ts";
import { Me } from "../../schemas/account.ts";
import { Problem } from "../../schemas/problem.ts";
import { bearer, call, db, makeAgent, makeKey, revoke, tenant } from "./fixtures.ts";

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = Problem.parse(await res.json());
  expect(body.code).toBe(code);
  return body;
}

describe("GET /v1/me", () => {
  it("returns the workspace, plan, mode and scopes of a live key", async () => {
    const { workspace, live } = await tenant("Acme");
    const res = await call("/v1/me", { headers: bearer(live.key) });
    expect(res.status).toBe(200);
    const me = Me.parse(await res.json());
    expect(me.workspace).toEqual({ id: workspace.id, name: "Acme", plan: "free" });
    expect(me.mode).toBe("live");
    expect(me.key.id).toBe(live.id);
    expect(me.key.prefix).toBe("rb_live_");
    expect(me.key.last4).toBe(live.key.slice(-4));
    expect(me.key.scopes).toContain("callbacks:write");
    expect(JSON.stringify(me)).not.toContain(live.key);
  });

  it("reports test mode for a test key", async () => {
    const { test } = await tenant();
    const me = Me.parse(await (await call("/v1/me", { headers: bearer(test.key) })).json());
    expect(me.mode).toBe("test");
    expect(me.key.prefix).toBe("rb_test_");
  });

  it("accepts the key in X-API-Key", async () => {
    const { live } = await tenant();
    expect((await call("/v1/me", { headers: { "X-API-Key": live.key } })).status).toBe(200);
  });

  it("records when a key was last used", async () => {
    const { live } = await tenant();
    await call("/v1/me", { headers: bearer(live.key) });
    await expect
      .poll(async () => (await db().select().from(apiKeys).where(eq(apiKeys.id, live.id)))[0]?.lastUsedAt)
      .toBeInstanceOf(Date);
  });
});

describe("authentication failures", () => {
  it.each([
    ["no key at all", {}],
    ["an empty bearer", { Authorization: "Bearer " }],
  ])("401 for %s", async (_name, headers) => {
    const body = await expectProblem(await call("/v1/me", { headers }), 401, "unauthorized");
    expect(body.detail).toBe("An API key is required");
  });

  it.each([
    ["a malformed key", "not-a-key"],
    ["an unknown key", "rb_live_0123456789abcdefghijklmnopqrstuv"],
    ["a key with the wrong mode prefix", "rb_test_0123456789abcdefghijklmnopqrstuv"],
  ])("401 for %s", async (_name, key) => {
    await expectProblem(await call("/v1/me", { headers: bearer(key) }), 401, "unauthorized");
  });

  it("401 for a revoked key", async () => {
    const { live } = await tenant();
    await revoke(live.id);
    await expectProblem(await call("/v1/me", { headers: bearer(live.key) }), 401, "unauthorized");
  });

  it("401 for a key whose mode prefix was edited", async () => {
    const { live } = await tenant();
    const edited = live.key.replace("rb_live_", "rb_test_");
    await expectProblem(await call("/v1/me", { headers: bearer(edited) }), 401, "unauthorized");
  });

  it("ignores a key in the query string on a route that does not allow it", async () => {
    const { live } = await tenant();
    const res = await call(`/v1/me?api_key=${live.key}`);
    await expectProblem(res, 401, "unauthorized");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("403 for a publishable key on a secret-key endpoint", async () => {
    const { workspace } = await tenant();
    const pk = await makeKey(workspace.id, { kind: "publishable" });
    await expectProblem(await call("/v1/me", { headers: bearer(pk.key) }), 403, "forbidden");
  });
});

describe("X-Agent-ID", () => {
  it("names an agent of the key's workspace", async () => {
    const { workspace, live } = await tenant();
    const agent = await makeAgent(workspace.id, "live");
    const res = await call("/v1/me", { headers: { ...bearer(live.key), "X-Agent-ID": agent.id } });
    expect(res.status).toBe(200);
    expect(Me.parse(await res.json()).agent).toEqual({ id: agent.id, name: "Agent Smith" });
  });

  it("404 for another workspace's agent", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const agent = await makeAgent(theirs.workspace.id, "live");
    const res = await call("/v1/me", { headers: { ...bearer(mine.live.key), "X-Agent-ID": agent.id } });
    await expectProblem(res, 404, "not_found");
  });

  it("404 for a live agent seen with a test key", async () => {
    const { workspace, test } = await tenant();
    const agent = await makeAgent(workspace.id, "live");
    const res = await call("/v1/me", { headers: { ...bearer(test.key), "X-Agent-ID": agent.id } });
    await expectProblem(res, 404, "not_found");
  });

  it("404 for an agent that does not exist", async () => {
    const { live } = await tenant();
    const res = await call("/v1/me", { headers: { ...bearer(live.key), "X-Agent-ID": "agt_nope" } });
    await expectProblem(res, 404, "not_found");
  });

  it("a key bound to an agent acts for it, and not for another", async () => {
    const { workspace } = await tenant();
    const bound = await makeAgent(workspace.id, "live");
    const other = await makeAgent(workspace.id, "live");
    const key = await makeKey(workspace.id, { agentId: bound.id });
    const me = Me.parse(await (await call("/v1/me", { headers: bearer(key.key) })).json());
    expect(me.key.agent_id).toBe(bound.id);
    expect(me.agent?.id).toBe(bound.id);
    const res = await call("/v1/me", { headers: { ...bearer(key.key), "X-Agent-ID": other.id } });
    await expectProblem(res, 403, "forbidden");
  });
});
