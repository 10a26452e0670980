import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { agents } from "../../db/schema/index.ts";
import { CalldockError, MakeCallStarted } from "../../schemas/calldock.ts";
import { call, db, makeAgent, makeKey, revoke, tenant, zoneAtHour } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";

const path = "/v1/make-call";

// Seed 002's curl body, byte for byte.
const curlBody = `{
    "name": "John Doe",
    "email": "john@example.com",
    "phone": "+1234567890",
    "metadata": {
      "source": "website",
      "campaign": "summer-promo"
    }
  }`;
const seedData = { name: "John Doe", email: "john@example.com", phone: "+1234567890", metadata: { source: "website", campaign: "summer-promo" } };

const post = (key: string, agentId: string | null, body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "X-API-Key": key, ...(agentId && { "X-Agent-ID": agentId }), "Content-Type": "application/json", ...headers },
  body,
});

async function setup(settings = {}) {
  const t = await tenant("Calldock", settings);
  const agent = await makeAgent(t.workspace.id, "live");
  // Calldock's keys are generated per agent.
  const key = await makeKey(t.workspace.id, { agentId: agent.id });
  return { ...t, agent, key };
}

const setAgent = (id: string, values: Partial<typeof agents.$inferInsert>) => db().update(agents).set(values).where(eq(agents.id, id));

const started = async (res: Response) => {
  expect(res.status).toBe(200);
  return MakeCallStarted.parse(await res.json());
};

const failure = (code: string, message: string, details?: { field: string; message: string }[]) => ({
  success: false,
  error: { code, message, ...(details && { details }) },
});

describe("POST /v1/make-call: seed 002 as written", () => {
  it("answers the curl example with 200 and starts a callback now, for that agent", async () => {
    // The seed's number says nothing of where the lead is, so the workspace's zone is the lead's:
    // one where it is midday now.
    const { workspace, agent, key } = await setup({ timezone: zoneAtHour(12) });
    const before = Date.now();
    const res = await call(path, post(key.key, agent.id, curlBody));
    const body = await started(res);
    expect(body).toEqual({
      success: true,
      data: { callId: expect.stringMatching(/^cb_[0-9a-z]{26}$/), status: "initiated", timestamp: expect.any(String), scheduledFor: expect.any(String), hold: null },
    });
    expect(body.data.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(body.data.timestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 5000);

    const rows = await rowsOf(workspace.id);
    expect(rows.leads).toHaveLength(1);
    expect(rows.leads[0]).toMatchObject({ phone: "+1234567890", name: "John Doe", email: "john@example.com", mode: "live", domainId: null });
    expect(rows.callbacks).toHaveLength(1);
    expect(rows.callbacks[0]).toMatchObject({
      id: body.data.callId,
      source: "make_call",
      status: "scheduled",
      agentId: agent.id,
      domainId: null,
      leadId: rows.leads[0]!.id,
      metadata: { source: "website", campaign: "summer-promo" },
    });
    expect(Math.abs(rows.callbacks[0]!.scheduledAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(rows.events.map((e) => e.type)).toEqual(["lead.updated", "callback.scheduled"]);
    expect(rows.formResponses).toHaveLength(0);
  });

  it("works with a workspace key (not bound to an agent) and Authorization: Bearer", async () => {
    const { workspace, agent, live } = await setup();
    const res = await call(path, post("", agent.id, JSON.stringify(seedData), { Authorization: `Bearer ${live.key}`, "X-API-Key": "" }));
    await started(res);
    expect((await rowsOf(workspace.id)).callbacks[0]?.agentId).toBe(agent.id);
  });

  it("takes only the phone", async () => {
    const { workspace, agent, key } = await setup();
    await started(await call(path, post(key.key, agent.id, JSON.stringify({ phone: "+44 20 7946 0958" }))));
    const rows = await rowsOf(workspace.id);
    expect(rows.leads[0]).toMatchObject({ phone: "+442079460958", phoneRaw: "+44 20 7946 0958", name: null, email: null });
    expect(rows.callbacks[0]?.metadata).toEqual({});
  });

  it("keeps a test key's call in test mode", async () => {
    const { workspace, test } = await setup();
    const testAgent = await makeAgent(workspace.id, "test");
    await started(await call(path, post(test.key, testAgent.id, curlBody)));
    const rows = await rowsOf(workspace.id);
    expect(rows.callbacks.map((c) => c.mode)).toEqual(["test"]);
    expect(rows.leads.map((l) => l.mode)).toEqual(["test"]);
  });
});

describe("a call that may not ring yet", () => {
  it("says scheduled, not initiated, with when it will ring and why; the callback agrees", async () => {
    // 02:00 in the workspace's zone, which is the lead's: the seed's number names no place.
    const { agent, key, live } = await setup({ timezone: zoneAtHour(2) });
    const body = await started(await call(path, post(key.key, agent.id, curlBody)));
    expect(body.data).toMatchObject({ status: "scheduled", hold: { reason: "calling_hours", rule: "default 08:00-21:00", zone_source: "workspace" } });
    expect(body.data.scheduledFor).toBe(body.data.hold!.until);
    expect(Date.parse(body.data.scheduledFor!) - Date.now()).toBeGreaterThan(4 * 3600_000);
    const callback = (await (await call(`/v1/callbacks/${body.data.callId}`, { headers: { Authorization: `Bearer ${live.key}` } })).json()) as { next_attempt_at: string; hold: unknown };
    expect(callback).toMatchObject({ next_attempt_at: body.data.scheduledFor, hold: body.data.hold });
  });
});

describe("repeats and limits", () => {
  it("answers an identical request within 10 minutes with the first call, starting no second one", async () => {
    const { workspace, agent, key } = await setup();
    const first = await started(await call(path, post(key.key, agent.id, curlBody)));
    const again = await started(await call(path, post(key.key, agent.id, JSON.stringify(seedData))));
    expect(again).toEqual(first);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });

  it("409 DUPLICATE_CALL for an identical request whose call was canceled: no call starts, Retry-After says when one will", async () => {
    // Repeats count against the phone's hourly limit: room for the four requests below.
    const { workspace, agent, key, live } = await setup({ callbacksPerPhonePerHour: 10 });
    const first = await started(await call(path, post(key.key, agent.id, curlBody)));
    const canceled = await call(`/v1/callbacks/${first.data.callId}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${live.key}` } });
    expect(canceled.status).toBe(200);

    // Before, this answered 200 "initiated" with the canceled call, which will never ring.
    const res = await call(path, post(key.key, agent.id, JSON.stringify(seedData), { "Idempotency-Key": "repeat-1" }));
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = CalldockError.parse(await res.json());
    expect(body).toEqual(
      failure(
        "DUPLICATE_CALL",
        expect.stringMatching(
          new RegExp(`^An identical call asked for in the last 10 minutes \\(${first.data.callId}\\) was canceled, so no call was scheduled; the same request schedules one again in \\d+ s$`),
        ),
      ),
    );
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(602);
    const rows = await rowsOf(workspace.id);
    expect(rows.callbacks.map((c) => [c.id, c.status])).toEqual([[first.data.callId, "canceled"]]);

    // A 409 is not remembered for its Idempotency-Key, and another request still starts a call.
    expect((await call(path, post(key.key, agent.id, JSON.stringify(seedData), { "Idempotency-Key": "repeat-1" }))).status).toBe(409);
    await started(await call(path, post(key.key, agent.id, JSON.stringify({ ...seedData, metadata: { source: "retry" } }))));
  });

  it("starts a new call when the metadata or the agent differs", async () => {
    const { workspace, agent, live } = await setup();
    const other = await makeAgent(workspace.id, "live");
    const a = await started(await call(path, post(live.key, agent.id, curlBody)));
    const b = await started(await call(path, post(live.key, agent.id, JSON.stringify({ ...seedData, metadata: { source: "crm" } }))));
    const c = await started(await call(path, post(live.key, other.id, curlBody)));
    expect(new Set([a.data.callId, b.data.callId, c.data.callId]).size).toBe(3);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(3);
  });

  it.each([
    ["the agent's callbacks_per_phone_per_hour", { agent: 1 }, 1],
    ["the workspace's limit", { workspace: 2 }, 2],
    ["the default of 3", {}, 3],
  ])("429 PHONE_RATE_LIMITED past %s, writing nothing", async (_name, limits: { agent?: number; workspace?: number }, allowed) => {
    const { workspace, agent, key } = await setup({ callbacksPerPhonePerHour: limits.workspace ?? null });
    if (limits.agent) await setAgent(agent.id, { callbacksPerPhonePerHour: limits.agent });
    for (let i = 0; i < allowed; i++) {
      await started(await call(path, post(key.key, agent.id, JSON.stringify({ ...seedData, metadata: { attempt: i } }))));
    }
    const written = await countWritten(workspace.id);
    const res = await call(path, post(key.key, agent.id, JSON.stringify({ ...seedData, metadata: { attempt: "late" } })));
    expect(res.status).toBe(429);
    const body = CalldockError.parse(await res.json());
    expect(body.error.code).toBe("PHONE_RATE_LIMITED");
    expect(body.error.message).toMatch(/^Too many callbacks to this phone number; try again in \d+ s$/);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await countWritten(workspace.id)).toBe(written);
    // Another number is still callable.
    await started(await call(path, post(key.key, agent.id, JSON.stringify({ phone: "+14155550123" }))));
  });

  it("429 RATE_LIMITED once the workspace's hourly requests are spent", async () => {
    const { agent, key } = await setup({ requestsPerHour: 1 });
    await started(await call(path, post(key.key, agent.id, curlBody)));
    const res = await call(path, post(key.key, agent.id, JSON.stringify({ phone: "+14155550123" })));
    expect(res.status).toBe(429);
    expect(CalldockError.parse(await res.json()).error.code).toBe("RATE_LIMITED");
    expect(res.headers.get("x-ratelimit-limit")).toBe("1");
  });

  it("replays an Idempotency-Key's first response", async () => {
    const { workspace, agent, key } = await setup();
    const init = post(key.key, agent.id, curlBody, { "Idempotency-Key": "lead-42" });
    const first = await call(path, init);
    const second = await call(path, init);
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });
});

type Case = [string, string, number, unknown, Record<string, string>?];
const body = (patch: Record<string, unknown>) => JSON.stringify({ ...seedData, ...patch });
const noPhone = (patch: Record<string, unknown> = {}) => JSON.stringify({ name: "John Doe", ...patch });
const required = failure("MISSING_FIELD", "phone is required", [{ field: "phone", message: "is required" }]);
const countryCode = failure("INVALID_PHONE", "phone must include the country code, e.g. +14155550100", [
  { field: "phone", message: "must include the country code, e.g. +14155550100" },
]);

const cases: Case[] = [
  ["no phone", noPhone(), 400, required],
  ["a null phone", body({ phone: null }), 400, required],
  ["a blank phone", body({ phone: " " }), 400, required],
  ["a national number", body({ phone: "(415) 555-0100" }), 400, countryCode],
  ["digits without +", body({ phone: "14155550100" }), 400, countryCode],
  ["a number for the phone", body({ phone: 14155550100 }), 400, failure("INVALID_PHONE", "phone must be a string in international format, e.g. +14155550100", [
    { field: "phone", message: "must be a string in international format, e.g. +14155550100" },
  ])],
  ["a + that is no phone number", body({ phone: "+12" }), 400, failure("INVALID_PHONE", "phone is not a valid phone number; use international format, e.g. +14155550100", [
    { field: "phone", message: "is not a valid phone number; use international format, e.g. +14155550100" },
  ])],
  ["a bad email", body({ email: "john@" }), 400, failure("INVALID_FIELD", "email must be a valid email address", [{ field: "email", message: "must be a valid email address" }])],
  ["metadata that is an array", body({ metadata: ["website"] }), 400, failure("INVALID_FIELD", "metadata must be a JSON object", [{ field: "metadata", message: "must be a JSON object" }])],
  ["a name that is a number", body({ name: 7 }), 400, failure("INVALID_FIELD", "name must be a string", [{ field: "name", message: "must be a string" }])],
  ["an unknown field", body({ scheduled_at: "2024-01-15T10:30:00Z" }), 400, failure("UNKNOWN_FIELD", "scheduled_at is not a known field", [
    { field: "scheduled_at", message: "is not a known field" },
  ])],
  ["no phone and an unknown field", noPhone({ to: "+14155550100" }), 400, failure("MISSING_FIELD", "phone is required; to is not a known field", [
    { field: "phone", message: "is required" },
    { field: "to", message: "is not a known field" },
  ])],
  ["malformed JSON", '{"phone": "+1234567890",', 400, failure("INVALID_JSON", "The request body is not valid JSON")],
  ["a JSON array", JSON.stringify([seedData]), 400, failure("INVALID_REQUEST", "The request body must be a JSON object")],
  ["a control character", body({ name: "John\u0000Doe" }), 400, failure("INVALID_REQUEST", "name contains a control character")],
  ["a form-encoded body", "phone=%2B1234567890", 415, failure("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json"), { "Content-Type": "application/x-www-form-urlencoded" }],
  ["a body over 64 KB", body({ metadata: { pad: "x".repeat(70_000) } }), 413, failure("PAYLOAD_TOO_LARGE", "The request body is larger than 64 KB")],
];

describe("bad input: the Calldock error shape, and nothing written", () => {
  it.each(cases)("%s", async (_name, text, status, expected, headers = {}) => {
    const { workspace, agent, key } = await setup();
    const res = await call(path, post(key.key, agent.id, text, headers));
    expect(res.status).toBe(status);
    const got = await res.json();
    expect(got).toEqual(expected);
    CalldockError.parse(got);
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("authentication and agents", () => {
  it.each([
    ["no key", () => ({}), 401, failure("UNAUTHORIZED", "An API key is required in the X-API-Key header")],
    ["an unknown key", () => ({ "X-API-Key": "ck_live_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" }), 401, failure("UNAUTHORIZED", "The API key is not valid")],
  ])("%s: %i", async (_name, headers, status, expected) => {
    const { agent } = await setup();
    const res = await call(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Agent-ID": agent.id, ...headers() }, body: curlBody });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual(expected);
  });

  it("401 MISSING_AGENT_ID without X-Agent-ID, even for a key bound to an agent", async () => {
    const { workspace, key } = await setup();
    const res = await call(path, post(key.key, null, curlBody));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(failure("MISSING_AGENT_ID", "The X-Agent-ID header is required"));
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("401 for a revoked key", async () => {
    const { workspace, agent, key } = await setup();
    await revoke(key.id);
    const res = await call(path, post(key.key, agent.id, curlBody));
    expect(res.status).toBe(401);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("404 AGENT_NOT_FOUND for another workspace's agent, or this workspace's test agent with a live key", async () => {
    const mine = await setup();
    const theirs = await setup();
    const testAgent = await makeAgent(mine.workspace.id, "test");
    for (const agentId of [theirs.agent.id, testAgent.id, "agt_does_not_exist"]) {
      const res = await call(path, post(mine.live.key, agentId, curlBody));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual(failure("AGENT_NOT_FOUND", `No agent ${agentId} in this workspace`));
    }
    expect(await countWritten(mine.workspace.id)).toBe(0);
    expect(await countWritten(theirs.workspace.id)).toBe(0);
  });

  it("403 FORBIDDEN for a key bound to another agent, a publishable key, or one without callbacks:write", async () => {
    const { workspace, agent, key } = await setup();
    const other = await makeAgent(workspace.id, "live");
    const pk = await makeKey(workspace.id, { kind: "publishable" });
    const narrow = await makeKey(workspace.id, { scopes: ["intake:write"] });
    const expectations: [string, string, string][] = [
      [key.key, other.id, "This key acts for another agent"],
      [pk.key, agent.id, "A publishable key cannot call this endpoint"],
      [narrow.key, agent.id, "This key lacks the callbacks:write scope"],
    ];
    for (const [k, agentId, message] of expectations) {
      const res = await call(path, post(k, agentId, curlBody));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual(failure("FORBIDDEN", message));
    }
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("403 AGENT_INACTIVE for a deactivated agent", async () => {
    const { workspace, agent, key } = await setup();
    await setAgent(agent.id, { active: false });
    const res = await call(path, post(key.key, agent.id, curlBody));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(failure("AGENT_INACTIVE", `Agent ${agent.id} is not active`));
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it.each(["GET", "PUT", "DELETE"])("405 METHOD_NOT_ALLOWED for %s, with Allow: POST", async (method) => {
    const res = await call(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(await res.json()).toEqual(failure("METHOD_NOT_ALLOWED", "This endpoint only accepts POST requests"));
  });
});

describe("GET /openapi.json", () => {
  it("documents the request, the success body and every error code", async () => {
    type Schema = { required?: string[]; properties: Record<string, Schema>; enum?: string[] };
    type Content = { "application/json": { schema: { $ref: string } } };
    type Operation = { requestBody: { content: Content }; responses: Record<string, { content: Content }> };
    type Document = { paths: Record<string, { post: Operation }>; components: { schemas: Record<string, Schema> } };
    const doc = (await (await call("/openapi.json")).json()) as Document;
    // Named schemas are in components, referred to by $ref.
    const named = (content: Content | undefined) => doc.components.schemas[content?.["application/json"].schema.$ref.replace("#/components/schemas/", "") ?? ""];
    const code = (schema: Schema | undefined) => schema?.properties.error?.properties.code?.enum;
    const op = doc.paths[path]?.post;
    expect(named(op?.requestBody.content)?.required).toEqual(["phone"]);
    expect(code(named(op?.responses["400"]?.content))).toContain("PHONE_RATE_LIMITED");
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual(["200", "400", "401", "403", "404", "405", "409", "413", "415", "422", "429", "500", "503"]);
    expect(code(named(op?.responses["503"]?.content))).toContain("SERVICE_UNAVAILABLE");
  });
});
