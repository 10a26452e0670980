import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { agents } from "../../db/schema/index.ts";
import { Agent, AgentList, AgentWithSecret } from "../../schemas/agents.ts";
import { db, makeAgent, makeKey, tenant, testEnv } from "./fixtures.ts";
import { expectProblem, get, invalidBody, invalidQuery, patch, post, problem, walk } from "./native-helpers.ts";
import { expectRefusal, send } from "./route-families.ts";
import { call } from "./fixtures.ts";

// /v1/agents: the management API's agents, against the real database, with secrets sealed under
// the test run's SECRETS_KEYS.

const agentSlot = (id: string) => ({ column: "agents.webhook_secret" as const, id });
const storedAgent = async (id: string) => (await db().select().from(agents).where(eq(agents.id, id)))[0];
const agentCount = async (workspaceId: string) => db().$count(agents, eq(agents.workspaceId, workspaceId));

async function created(key: string, body: Record<string, unknown>) {
  const res = await post("/v1/agents", key, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return AgentWithSecret.parse(await res.json());
}

describe("POST /v1/agents", () => {
  it("makes an agent with every field, its phone in E.164 and its zone canonical", async () => {
    const { live } = await tenant();
    const agent = await created(live.key, {
      name: "Ada",
      phone: "+1 (415) 555-0100",
      department: "Sales",
      available: false,
      timezone: "america/new_york",
      schedule: { "1": [["09:00", "12:00"], ["13:00", "17:00"]], "7": [["10:00", "24:00"]] },
      callbacks_per_phone_per_hour: 3,
      post_call_json: "python",
    });
    expect(agent).toMatchObject({
      name: "Ada",
      phone: "+14155550100",
      department: "Sales",
      active: true,
      available: false,
      timezone: "America/New_York",
      schedule: { "1": [["09:00", "12:00"], ["13:00", "17:00"]], "7": [["10:00", "24:00"]] },
      callbacks_per_phone_per_hour: 3,
      webhook_url: null,
      webhook_secret_set: false,
      webhook_secret: null,
      post_call_json: "python",
      mode: "live",
    });
    const { webhook_secret: _none, ...shown } = agent;
    expect(Agent.parse(await (await get(`/v1/agents/${agent.id}`, live.key)).json())).toEqual(shown);
  });

  it("shows a secret it makes once, stores it sealed, and never shows it again", async () => {
    const { live } = await tenant();
    const agent = await created(live.key, { name: "Ada", phone: "+14155550100", webhook_url: "https://hooks.example.com/post-call" });
    expect(agent.webhook_secret).toMatch(/^whsec_/);
    expect(agent.webhook_secret_set).toBe(true);
    const row = await storedAgent(agent.id);
    expect(row?.webhookSecret).toMatch(/^enc:v1:/);
    expect(await testEnv().SECRETS_KEYS.open(row?.webhookSecret ?? "", agentSlot(agent.id))).toBe(agent.webhook_secret);
    for (const res of [await get(`/v1/agents/${agent.id}`, live.key), await get("/v1/agents", live.key)]) {
      const text = await res.text();
      expect(text).not.toContain(agent.webhook_secret);
      expect(text).not.toContain("webhook_secret\"");
    }
  });

  it("takes a secret of the caller's own and never echoes it", async () => {
    const { live } = await tenant();
    const secret = "my-own-calldock-secret-0123456789";
    const res = await post("/v1/agents", live.key, { name: "Ada", phone: "+14155550100", webhook_url: "https://hooks.example.com/a", webhook_secret: secret });
    const text = await res.text();
    expect(res.status).toBe(201);
    expect(text).not.toContain(secret);
    const agent = AgentWithSecret.parse(JSON.parse(text));
    expect(agent.webhook_secret).toBeNull();
    expect(await testEnv().SECRETS_KEYS.open((await storedAgent(agent.id))?.webhookSecret ?? "", agentSlot(agent.id))).toBe(secret);
  });

  it.each([
    [{ name: "Ada" }, [["phone", "is required"]]],
    [{ name: "", phone: "4155550100" }, [["name", "Too small: expected string to have >=1 characters"], ["phone", "is not an international phone number, e.g. +14155550100"]]],
    [{ name: "Ada", phone: "+14155550100", timezone: "Mars/Olympus" }, [["timezone", "is not an IANA time zone, e.g. America/New_York"]]],
    [{ name: "Ada", phone: "+14155550100", schedule: { "1": [["17:00", "09:00"]] } }, [["schedule.1.0", "must run forward within one day: the start before the end"]]],
    [{ name: "Ada", phone: "+14155550100", schedule: { "1": [["9:00", "25:00"]] } }, [["schedule.1.0.0", "must be HH:MM, 00:00 to 23:59"], ["schedule.1.0.1", "must be HH:MM, 00:01 to 24:00"]]],
    [{ name: "Ada", phone: "+14155550100", callbacks_per_phone_per_hour: 0 }, [["callbacks_per_phone_per_hour", "Too small: expected number to be >=1"]]],
    [{ name: "Ada", phone: "+14155550100", post_call_json: "xml" }, [["post_call_json", 'Invalid option: expected one of "compact"|"python"']]],
    [{ name: "Ada", phone: "+14155550100", webhook_secret: "x".repeat(30) }, [["webhook_secret", "needs a webhook_url"]]],
    [{ name: "Ada", phone: "+14155550100", webhook_url: "https://hooks.example.com/", webhook_secret: "short" }, [["webhook_secret", "must be 24 to 200 visible ASCII characters"]]],
    [{ name: "Ada", phone: "+14155550100", id: "agt_x" }, [["id", "is not a known field"]]],
  ])("refuses %j: 422 with every bad field, nothing written", async (body, errors) => {
    const { live, workspace } = await tenant();
    await expectProblem(await post("/v1/agents", live.key, body), invalidBody(...(errors as [string, string][])));
    expect(await agentCount(workspace.id)).toBe(0);
  });

  it("refuses a webhook URL Ringback must not post to: 422 on webhook_url, nothing written", async () => {
    const { live, workspace } = await tenant();
    await expectProblem(
      await post("/v1/agents", live.key, { name: "Ada", phone: "+14155550100", webhook_url: "https://169.254.169.254/latest" }),
      invalidBody(["webhook_url", "is not allowed: it points at a link-local or cloud metadata address"]),
    );
    expect(await agentCount(workspace.id)).toBe(0);
  });

  it("keeps field names that are built-in property names as plain names (422, not a crash)", async () => {
    const { live, workspace } = await tenant();
    const res = await post("/v1/agents", live.key, { name: "Ada", phone: "+14155550100", schedule: { valueOf: [["09:00", "17:00"]], toString: [] } });
    expect(res.status).toBe(422);
    expect(await agentCount(workspace.id)).toBe(0);
  });

  it.each([
    ["a NUL", "Ada\u0000"],
    ["a lone surrogate", "Ada\ud800"],
  ])("refuses %s in a field: 400, nothing written", async (_what, name) => {
    const { live, workspace } = await tenant();
    await expectRefusal(await call("/v1/agents", send("POST", live.key, { name, phone: "+14155550100" })), "problem", 400);
    await expectRefusal(await call("/v1/agents", send("POST", live.key, { name: "Ada", phone: "+14155550100", schedule: { [name]: [] } })), "problem", 400);
    expect(await agentCount(workspace.id)).toBe(0);
  });

  it("refuses a __proto__ key: 400, nothing written", async () => {
    const { live, workspace } = await tenant();
    const res = await call("/v1/agents", { ...send("POST", live.key), headers: { Authorization: `Bearer ${live.key}`, "Content-Type": "application/json" }, body: '{"name":"Ada","phone":"+14155550100","schedule":{"__proto__":{"1":[]}}}' });
    await expectRefusal(res, "problem", 400);
    expect(await agentCount(workspace.id)).toBe(0);
  });
});

describe("GET /v1/agents", () => {
  it("walks every page newest first, and filters by active, available and department", async () => {
    const { live, test } = await tenant();
    const a = await created(live.key, { name: "A", phone: "+14155550101", department: "Sales" });
    const b = await created(live.key, { name: "B", phone: "+14155550102", available: false });
    const c = await created(live.key, { name: "C", phone: "+14155550103", department: "Sales" });
    await created(test.key, { name: "Test mode", phone: "+14155550104" });
    await post(`/v1/agents/${c.id}/deactivate`, live.key);
    const { items, sizes } = await walk<Agent>("/v1/agents", live.key, 2);
    expect(items.map((i) => i.id)).toEqual([c.id, b.id, a.id]);
    expect(sizes).toEqual([2, 1]);
    const ids = async (query: string) => AgentList.parse(await (await get(`/v1/agents?${query}`, live.key)).json()).data.map((i) => i.id);
    expect(await ids("active=true")).toEqual([b.id, a.id]);
    expect(await ids("active=false")).toEqual([c.id]);
    expect(await ids("available=false")).toEqual([b.id]);
    expect(await ids("department=Sales&active=true")).toEqual([a.id]);
  });

  it("refuses a bad filter: 422 naming each parameter", async () => {
    const { live } = await tenant();
    await expectProblem(
      await get("/v1/agents?active=yes&limit=0&colour=red", live.key),
      invalidQuery(["limit", "Too small: expected number to be >=1"], ["active", 'Invalid option: expected one of "true"|"false"'], ["colour", "is not a known field"]),
    );
  });
});

describe("PATCH /v1/agents/:id", () => {
  it("changes what it is given, clears with null, and keeps the rest", async () => {
    const { live } = await tenant();
    const agent = await created(live.key, { name: "Ada", phone: "+14155550100", department: "Sales", timezone: "Europe/Paris" });
    const res = await patch(`/v1/agents/${agent.id}`, live.key, { department: null, phone: "+44 20 7946 0958", schedule: { "2": [["08:00", "12:00"]] } });
    expect(res.status).toBe(200);
    expect(AgentWithSecret.parse(await res.json())).toMatchObject({
      name: "Ada",
      department: null,
      phone: "+442079460958",
      timezone: "Europe/Paris",
      schedule: { "2": [["08:00", "12:00"]] },
      webhook_secret: null,
    });
  });

  it("keeps the secret when the URL changes, makes one for an agent without, and drops it with the URL", async () => {
    const { live } = await tenant();
    const agent = await created(live.key, { name: "Ada", phone: "+14155550100", webhook_url: "https://hooks.example.com/a" });
    const sealed = (await storedAgent(agent.id))?.webhookSecret;
    const moved = AgentWithSecret.parse(await (await patch(`/v1/agents/${agent.id}`, live.key, { webhook_url: "https://hooks.example.com/b" })).json());
    expect(moved).toMatchObject({ webhook_url: "https://hooks.example.com/b", webhook_secret: null, webhook_secret_set: true });
    expect((await storedAgent(agent.id))?.webhookSecret).toBe(sealed);

    const dropped = AgentWithSecret.parse(await (await patch(`/v1/agents/${agent.id}`, live.key, { webhook_url: null })).json());
    expect(dropped).toMatchObject({ webhook_url: null, webhook_secret_set: false });
    expect((await storedAgent(agent.id))?.webhookSecret).toBeNull();

    const again = AgentWithSecret.parse(await (await patch(`/v1/agents/${agent.id}`, live.key, { webhook_url: "https://hooks.example.com/c" })).json());
    expect(again.webhook_secret).toMatch(/^whsec_/);
  });

  it("refuses a secret for an agent without a webhook URL, and an empty change: 422, nothing written", async () => {
    const { live } = await tenant();
    const agent = await created(live.key, { name: "Ada", phone: "+14155550100" });
    await expectProblem(await patch(`/v1/agents/${agent.id}`, live.key, { webhook_secret: "y".repeat(30) }), invalidBody(["webhook_secret", "needs a webhook_url"]));
    await expectProblem(await patch(`/v1/agents/${agent.id}`, live.key, {}), invalidBody(["", "give at least one field to change"]));
    expect((await storedAgent(agent.id))?.webhookSecret).toBeNull();
  });
});

describe("POST /v1/agents/:id/deactivate and rotate_webhook_secret", () => {
  it("deactivates, keeps the row, repeats harmlessly, and PATCH active: true undoes it", async () => {
    const { live } = await tenant();
    const agent = await created(live.key, { name: "Ada", phone: "+14155550100" });
    const first = await post(`/v1/agents/${agent.id}/deactivate`, live.key);
    expect(first.status).toBe(200);
    const off = Agent.parse(await first.json());
    expect(off.active).toBe(false);
    const second = Agent.parse(await (await post(`/v1/agents/${agent.id}/deactivate`, live.key)).json());
    expect(second).toEqual(off);
    expect(Agent.parse(await (await get(`/v1/agents/${agent.id}`, live.key)).json()).active).toBe(false);
    expect(AgentWithSecret.parse(await (await patch(`/v1/agents/${agent.id}`, live.key, { active: true })).json()).active).toBe(true);
  });

  it("rotates the secret: a new one, shown once; 409 for an agent without a webhook URL", async () => {
    const { live } = await tenant();
    const agent = await created(live.key, { name: "Ada", phone: "+14155550100", webhook_url: "https://hooks.example.com/a" });
    const rotated = AgentWithSecret.parse(await (await post(`/v1/agents/${agent.id}/rotate_webhook_secret`, live.key)).json());
    expect(rotated.webhook_secret).toMatch(/^whsec_/);
    expect(rotated.webhook_secret).not.toBe(agent.webhook_secret);
    expect(await testEnv().SECRETS_KEYS.open((await storedAgent(agent.id))?.webhookSecret ?? "", agentSlot(agent.id))).toBe(rotated.webhook_secret);
    const bare = await created(live.key, { name: "Bo", phone: "+14155550101" });
    await expectProblem(
      await post(`/v1/agents/${bare.id}/rotate_webhook_secret`, live.key),
      problem("conflict", "The agent has no webhook_url: set one with PATCH /v1/agents/{id}"),
    );
  });
});

describe("whose agents", () => {
  it("404s another workspace's agent and the other mode's on every route, and changes nothing", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const their = await makeAgent(theirs.workspace.id);
    const myLive = await makeAgent(mine.workspace.id, "live");
    for (const [id, key] of [[their.id, mine.live.key], [myLive.id, mine.test.key]] as const) {
      const missing = problem("not_found", `No agent ${id}`);
      await expectProblem(await get(`/v1/agents/${id}`, key), missing);
      await expectProblem(await patch(`/v1/agents/${id}`, key, { name: "Mallory" }), missing);
      await expectProblem(await post(`/v1/agents/${id}/deactivate`, key), missing);
      await expectProblem(await post(`/v1/agents/${id}/rotate_webhook_secret`, key), missing);
      await expectProblem(await patch(`/v1/agents/${id}`, key, { webhook_url: "https://hooks.example.com/x" }), missing);
    }
    expect(await storedAgent(their.id)).toMatchObject({ name: "Agent Smith", active: true, webhookUrl: null });
    expect(await storedAgent(myLive.id)).toMatchObject({ name: "Agent Smith", active: true });
  });

  it("needs agents:read to read and agents:write to change (403)", async () => {
    const { workspace, live } = await tenant();
    const agent = await created(live.key, { name: "Ada", phone: "+14155550100" });
    const reader = await makeKey(workspace.id, { scopes: ["agents:read"] });
    const writer = await makeKey(workspace.id, { scopes: ["agents:write"] });
    const noWrite = problem("forbidden", "This key lacks the agents:write scope");
    await expectProblem(await post("/v1/agents", reader.key, { name: "Bo", phone: "+14155550101" }), noWrite);
    await expectProblem(await patch(`/v1/agents/${agent.id}`, reader.key, { name: "Bo" }), noWrite);
    await expectProblem(await post(`/v1/agents/${agent.id}/deactivate`, reader.key), noWrite);
    await expectProblem(await get(`/v1/agents/${agent.id}`, writer.key), problem("forbidden", "This key lacks the agents:read scope"));
    expect((await storedAgent(agent.id))?.name).toBe("Ada");
  });
});
