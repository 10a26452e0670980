import { describe, expect, it } from "vitest";
import { Callback } from "../../schemas/callbacks.ts";
import { call, makeAgent, makeDomain, makeKey, tenant } from "./fixtures.ts";
import { createCallback, expectProblem, get, invalidBody, post, problem } from "./native-helpers.ts";
import { countWritten, rowsOf } from "./rows.ts";

const path = "/v1/callbacks";
const offsetMessage = "must be ISO 8601 with seconds and an offset or Z: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS±HH:MM";
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000);
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
/** The same instant written with New York's winter offset (UTC-5). */
const newYork = (d: Date) => iso(new Date(d.getTime() - 5 * 3_600_000)).replace("Z", "-05:00");

describe("POST /v1/callbacks: seed 004 as described", () => {
  it("schedules a callback to the customer with the team's number, a time with an offset, a time zone and 5 attempts", async () => {
    const { workspace, live } = await tenant("LimeCall shop");
    // 18:00 UTC, two days ahead: inside calling hours in New York and in San Francisco, the
    // number's own zone, so the call is not held past the time asked for.
    const when = new Date();
    when.setUTCDate(when.getUTCDate() + 2);
    when.setUTCHours(18, 0, 0, 0);
    const res = await post(path, live.key, {
      phone: "+1 (415) 555-0123",
      name: "Dana Lead",
      email: "dana@example.com",
      agent_phone: "+14155550100",
      scheduled_at: newYork(when),
      timezone: "america/new_york",
      retry: { max_attempts: 5, intervals: [300, 900, 3600, 86_400] },
      metadata: { trigger: "crm_deal_stage", deal: { id: 42 } },
    });
    expect(res.status).toBe(201);
    const body = Callback.parse(await res.json());
    expect(res.headers.get("location")).toBe(`/v1/callbacks/${body.id}`);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(body).toMatchObject({
      status: "scheduled",
      phone: "+14155550123",
      name: "Dana Lead",
      email: "dana@example.com",
      agent_id: null,
      agent_override: { name: null, phone: "+14155550100" },
      source: "api",
      source_id: null,
      scheduled_at: iso(when),
      next_attempt_at: iso(when),
      hold: null,
      timezone: "America/New_York",
      attempt_count: 0,
      retry: { max_attempts: 5, intervals: [300, 900, 3600, 86_400] },
      metadata: { trigger: "crm_deal_stage", deal: { id: 42 } },
      ended_reason: null,
      mode: "live",
      completed_at: null,
      canceled_at: null,
    });
    expect(body.id).toMatch(/^cb_/);

    const rows = await rowsOf(workspace.id);
    expect(rows.leads).toHaveLength(1);
    expect(rows.leads[0]).toMatchObject({ id: body.lead_id, phone: "+14155550123", timezone: "America/New_York" });
    expect(rows.callbacks).toHaveLength(1);
    expect(rows.events.map((e) => e.type)).toEqual(["lead.updated", "callback.scheduled"]);
    // The event carries the object the API answered with: one builder for both.
    expect(rows.events[1]!.data).toEqual(body);
  });

  it("calls now when scheduled_at is absent, and uses the domain's retry settings by default", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id, "live", { retryMaxAttempts: 3, retryIntervalsSeconds: [60, 600] });
    const before = Date.now();
    const body = await createCallback(live.key, { phone: "+14155550123", domain_id: domain.id });
    expect(Date.parse(body.scheduled_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(body.scheduled_at)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(body.retry).toEqual({ max_attempts: 3, intervals: [60, 600] });
    expect(body.domain_id).toBe(domain.id);
    expect(body.timezone).toBeNull(); // none was given; the domain's zone is only a fallback for the lead's
  });

  it("takes a time up to 5 minutes in the past as now", async () => {
    const { live } = await tenant();
    const before = Date.now();
    const body = await createCallback(live.key, { phone: "+14155550123", scheduled_at: iso(new Date(before - 120_000)) });
    expect(Date.parse(body.scheduled_at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("reads a national number in the domain's country", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id, "live", { defaultCountry: "GB" });
    const body = await createCallback(live.key, { phone: "020 7946 0018", domain_id: domain.id });
    expect(body.phone).toBe("+442079460018");
  });

  it("uses the caller's agent: agent_id, else X-Agent-ID's", async () => {
    const { workspace, live } = await tenant();
    const agent = await makeAgent(workspace.id);
    expect((await createCallback(live.key, { phone: "+14155550123", agent_id: agent.id })).agent_id).toBe(agent.id);
    const res = await post(path, live.key, { phone: "+14155550124" }, { "X-Agent-ID": agent.id });
    expect(Callback.parse(await res.json()).agent_id).toBe(agent.id);
  });

  it("refuses agent_id of another agent than the key's own (403)", async () => {
    const { workspace } = await tenant();
    const mine = await makeAgent(workspace.id);
    const other = await makeAgent(workspace.id);
    const bound = await makeKey(workspace.id, { agentId: mine.id });
    await expectProblem(await post(path, bound.key, { phone: "+14155550123", agent_id: other.id }), problem("forbidden", "This key acts for another agent"));
    expect((await createCallback(bound.key, { phone: "+14155550123" })).agent_id).toBe(mine.id);
  });
});

describe("de-duplication and idempotency", () => {
  it("answers an identical request within 10 minutes with the first callback, 200 and Ringback-Duplicate", async () => {
    const { workspace, live } = await tenant();
    const request = { phone: "+14155550123", scheduled_at: iso(inHours(2)), metadata: { a: 1, b: 2 } };
    const first = await createCallback(live.key, request);
    // Key order does not make a request different; the time is the same instant, written otherwise.
    const again = await post(path, live.key, { metadata: { b: 2, a: 1 }, phone: "+1 415 555 0123", scheduled_at: newYork(new Date(request.scheduled_at)) });
    expect(again.status).toBe(200);
    expect(again.headers.get("ringback-duplicate")).toBe("true");
    expect(again.headers.get("location")).toBe(`/v1/callbacks/${first.id}`);
    expect(Callback.parse(await again.json()).id).toBe(first.id);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);

    // Anything else different is another callback.
    const other = await createCallback(live.key, { ...request, metadata: { a: 1, b: 3 } });
    expect(other.id).not.toBe(first.id);
    expect(other.lead_id).toBe(first.lead_id);
  });

  it("replays a response for the same Idempotency-Key, and schedules once", async () => {
    const { workspace, live } = await tenant();
    const headers = { "Idempotency-Key": "order-1234" };
    const a = await post(path, live.key, { phone: "+14155550123" }, headers);
    const b = await post(path, live.key, { phone: "+14155550123" }, headers);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await b.json()).toEqual(await a.json());
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });

  it("refuses a fourth callback to one phone within the hour (429), writing nothing", async () => {
    const { workspace, live } = await tenant();
    for (let i = 0; i < 3; i++) await createCallback(live.key, { phone: "+14155550123", metadata: { i } });
    const before = await countWritten(workspace.id);
    const res = await post(path, live.key, { phone: "+14155550123", metadata: { i: 3 } });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe("rate_limited");
    expect(body.detail).toMatch(/^Too many callbacks to this phone number; try again in \d+ s$/);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await countWritten(workspace.id)).toBe(before);
  });
});

describe("bad input: the exact problem, and nothing written", () => {
  const past = iso(new Date(Date.now() - 3_600_000));
  const farAhead = iso(new Date(Date.now() + 400 * 86_400_000));
  type Case = [string, RequestInit | Record<string, unknown>, ReturnType<typeof problem>];
  const cases: Case[] = [
    ["malformed JSON", { body: '{"phone": ' }, problem("bad_request", "The request body is not valid JSON")],
    ["a form-encoded body", { body: "phone=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } }, problem("unsupported_media_type", "Content-Type must be application/json")],
    ["a __proto__ key", { body: '{"phone":"+14155550123","__proto__":{"x":1}}' }, problem("bad_request", "__proto__ is not an allowed key")],
    ["a null body", { body: "null" }, invalidBody(["", "Invalid input: expected object, received null"])],
    ["an array body", { body: "[]" }, invalidBody(["", "Invalid input: expected object, received array"])],
    ["no phone, and an unknown key", { name: "A", priority: "high" }, invalidBody(["phone", "is required"], ["priority", "is not a known field"])],
    ["a phone that is not one", { phone: "+12" }, invalidBody(["phone", "is not a valid phone number; use international format, e.g. +14155550100"])],
    [
      "a national number without a domain country",
      { phone: "4155550123" },
      problem("validation_failed", "phone is not a phone number", [{ path: "phone", message: "is not a valid phone number; use international format, e.g. +14155550100" }]),
    ],
    ["scheduled_at without an offset", { phone: "+14155550123", scheduled_at: iso(inHours(2)).replace("Z", "") }, invalidBody(["scheduled_at", offsetMessage])],
    ["scheduled_at a date only", { phone: "+14155550123", scheduled_at: iso(inHours(2)).slice(0, 10) }, invalidBody(["scheduled_at", offsetMessage])],
    ["scheduled_at an hour ago", { phone: "+14155550123", scheduled_at: past }, invalidBody(["scheduled_at", "is more than 5 minutes in the past"])],
    ["scheduled_at 400 days ahead", { phone: "+14155550123", scheduled_at: farAhead }, invalidBody(["scheduled_at", "is more than 365 days ahead"])],
    ["a time zone that is not one", { phone: "+14155550123", timezone: "Mars/Olympus_Mons" }, invalidBody(["timezone", "is not an IANA time zone, e.g. America/New_York"])],
    ["6 attempts", { phone: "+14155550123", retry: { max_attempts: 6 } }, invalidBody(["retry.max_attempts", "Too big: expected number to be <=5"])],
    [
      "bad intervals",
      { phone: "+14155550123", retry: { max_attempts: 2, intervals: [0, 700_000, 1.5], backoff: "exp" } },
      invalidBody(
        ["retry.intervals.0", "Too small: expected number to be >=1"],
        ["retry.intervals.1", "Too big: expected number to be <=604800"],
        ["retry.intervals.2", "must be a whole number of seconds"],
        ["retry.backoff", "is not a known field"],
        ["retry.intervals", "has more entries than max_attempts - 1"],
      ),
    ],
    ["a fractional max_attempts", { phone: "+14155550123", retry: { max_attempts: 2.5 } }, invalidBody(["retry.max_attempts", "must be a whole number"])],
    ["five intervals", { phone: "+14155550123", retry: { intervals: [60, 60, 60, 60, 60] } }, invalidBody(["retry.intervals", "Too big: expected array to have <=4 items"])],
    [
      "agent_id and agent_phone together",
      { phone: "+14155550123", agent_id: "agt_x", agent_phone: "+14155550100" },
      invalidBody(["agent_phone", "cannot be given with agent_id"]),
    ],
    ["a national agent_phone", { phone: "+14155550123", agent_phone: "4155550100" }, invalidBody(["agent_phone", "is not an international phone number, e.g. +14155550100"])],
    [
      "everything wrong at once",
      { phone: 4155550123, name: "", email: "nope", metadata: [1], timezone: "", agent_id: "agt_x", agent_phone: "+1", scheduled_at: "soon" },
      invalidBody(
        ["phone", "Invalid input: expected string, received number"],
        ["name", "Too small: expected string to have >=1 characters"],
        ["email", "Invalid email address"],
        ["agent_phone", "is not an international phone number, e.g. +14155550100"],
        ["scheduled_at", offsetMessage],
        ["timezone", "is not an IANA time zone, e.g. America/New_York"],
        ["metadata", "Invalid input: expected record, received array"],
        ["agent_phone", "cannot be given with agent_id"],
      ),
    ],
    ["an unknown domain", { phone: "+14155550123", domain_id: "dom_does_not_exist" }, problem("not_found", "No domain dom_does_not_exist")],
    ["an unknown agent", { phone: "+14155550123", agent_id: "agt_does_not_exist" }, problem("not_found", "No agent agt_does_not_exist")],
  ];

  it.each(cases)("%s", async (_name, input, expected) => {
    const { workspace, live } = await tenant();
    const init = "body" in input && typeof input.body === "string" ? (input as RequestInit) : { body: JSON.stringify(input) };
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${live.key}`, ...(init.headers as Record<string, string>) };
    await expectProblem(await call(path, { method: "POST", ...init, headers }), expected);
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("keys, scopes and workspaces", () => {
  // A publishable key from its allowed origins is browser-keys.test.ts's.
  it("refuses a key without callbacks:write, and a publishable key from a server (403)", async () => {
    const { workspace } = await tenant();
    const readOnly = await makeKey(workspace.id, { scopes: ["callbacks:read", "leads:read"] });
    await expectProblem(await post(path, readOnly.key, { phone: "+14155550123" }), problem("forbidden", "This key lacks the callbacks:write scope"));
    const pk = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    await expectProblem(await post(path, pk.key, { phone: "+14155550123" }), problem("forbidden", "This publishable key is not allowed from this origin"));
    await expectProblem(await post(path, "rb_live_0123456789abcdefghijklmnopqrstuv", { phone: "+14155550123" }), problem("unauthorized", "The API key is not valid"));
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("404s another workspace's domain and agent, and a live domain for a test key", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const theirDomain = await makeDomain(theirs.workspace.id);
    const theirAgent = await makeAgent(theirs.workspace.id);
    const myLiveDomain = await makeDomain(mine.workspace.id, "live");
    await expectProblem(await post(path, mine.live.key, { phone: "+14155550123", domain_id: theirDomain.id }), problem("not_found", `No domain ${theirDomain.id}`));
    await expectProblem(await post(path, mine.live.key, { phone: "+14155550123", agent_id: theirAgent.id }), problem("not_found", `No agent ${theirAgent.id}`));
    await expectProblem(await post(path, mine.test.key, { phone: "+14155550123", domain_id: myLiveDomain.id }), problem("not_found", `No domain ${myLiveDomain.id}`));
    expect(await countWritten(mine.workspace.id)).toBe(0);
    expect(await countWritten(theirs.workspace.id)).toBe(0);
  });

  it("keeps test callbacks in test mode", async () => {
    const { workspace, test } = await tenant();
    const body = await createCallback(test.key, { phone: "+14155550123" });
    expect(body.mode).toBe("test");
    expect((await rowsOf(workspace.id)).callbacks[0]?.mode).toBe("test");
  });
});

describe("the workspace's rate limit", () => {
  // Regression: every native route counts its requests and says so, the list as much as the
  // create, whose count waits for the phone's (one round trip), and a create refused before it.
  it("is counted and reported by GET and POST /v1/callbacks alike", async () => {
    const { live } = await tenant();
    const created = await post(path, live.key, { phone: "+14155550123" });
    const listed = await get(path, live.key);
    const refused = await post(path, live.key, { phone: "" });
    expect([created.status, listed.status, refused.status]).toEqual([201, 200, 422]);
    const limits = [created, listed, refused].map((res) => ({
      limit: res.headers.get("x-ratelimit-limit"),
      remaining: res.headers.get("x-ratelimit-remaining"),
      reset: Number(res.headers.get("x-ratelimit-reset")) > Date.now() / 1000,
      policy: res.headers.get("ratelimit-policy"),
    }));
    expect(limits).toEqual([
      { limit: "100", remaining: "99", reset: true, policy: '"workspace";q=100;w=3600, "phone";q=3;w=3600' },
      { limit: "100", remaining: "98", reset: true, policy: '"workspace";q=100;w=3600' },
      { limit: "100", remaining: "97", reset: true, policy: '"workspace";q=100;w=3600' },
    ]);
  });
});
