import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index.ts";
import type { Bindings } from "../../functions/env.ts";
import { CallLogCreated, CallvineError } from "../../schemas/callvine.ts";
import { call, incoming, makeKey, revoke, tenant } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";

const paths = ["/webhook.php", "/v1/call_logs"];

// Seed 001's call data, as every example sends it.
const seedData = {
  from_phone: "9087270291",
  to_phone: "8006000009",
  handled_by: "Agent Smith",
  department: "Customer Service",
  start_time: "2024-01-15 09:00:00",
  end_time: "2024-01-15 09:15:00",
  recording_url: "https://example.com/recordings/call123.wav",
};

// The bodies exactly as each example puts them on the wire.
const curlBody = `{
    "from_phone": "9087270291",
    "to_phone": "8006000009",
    "handled_by": "Agent Smith",
    "department": "Customer Service",
    "start_time": "2024-01-15 09:00:00",
    "end_time": "2024-01-15 09:15:00",
    "recording_url": "https://example.com/recordings/call123.wav"
  }`;
const pythonBody = JSON.stringify(seedData).replaceAll('","', '", "').replaceAll('":"', '": "'); // json.dumps' separators
const phpBody = JSON.stringify(seedData).replaceAll("/", "\\/"); // json_encode escapes slashes

const post = (key: string, body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", "X-API-Key": key, ...headers },
  body,
});

const expectedData = {
  ...seedData,
  title: "Call from 9087270291 to 8006000009 (handled by Agent Smith)",
};

describe.each(paths)("POST %s: seed 001's examples as written", (path) => {
  it.each([
    ["curl", curlBody, {}],
    ["fetch", JSON.stringify(seedData), {}],
    ["Python requests", pythonBody, { "User-Agent": "python-requests/2.32.3", Accept: "*/*" }],
    ["PHP", phpBody, {}],
  ])("answers the %s example with 201 and the seed's body", async (_name, body, headers) => {
    const { workspace, live } = await tenant("callvine");
    const before = Date.now();
    const res = await call(path, post(live.key, body, headers));
    expect(res.status).toBe(201);
    const created = CallLogCreated.parse(await res.json());
    expect(created).toEqual({
      success: true,
      message: "Call log created successfully",
      data: { id: expect.any(Number), ...expectedData, created_at: expect.any(String) },
    });
    expect(Object.keys(created.data)).toEqual([
      "id", "from_phone", "to_phone", "handled_by", "department", "start_time", "end_time", "recording_url", "title", "created_at",
    ]);
    expect(Number.isInteger(created.data.id)).toBe(true);
    // created_at is UTC, to the second.
    const createdAt = Date.parse(`${created.data.created_at.replace(" ", "T")}Z`);
    expect(createdAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 5000);
    expect(createdAt).toBeLessThanOrEqual(Date.now() + 5000);

    const rows = await rowsOf(workspace.id);
    expect(rows.callLogs).toHaveLength(1);
    expect(rows.callLogs[0]).toMatchObject({
      id: created.data.id,
      mode: "live",
      fromPhone: "9087270291",
      toPhone: "8006000009",
      handledBy: "Agent Smith",
      department: "Customer Service",
      startTime: "2024-01-15 09:00:00",
      endTime: "2024-01-15 09:15:00",
      recordingUrl: "https://example.com/recordings/call123.wav",
      title: expectedData.title,
    });
    // A call log is not a lead: nothing else is written.
    expect([rows.leads.length, rows.callbacks.length, rows.events.length, rows.formResponses.length]).toEqual([0, 0, 0, 0]);
  });
});

describe("POST /webhook.php: keys, fields and ids", () => {
  const path = "/webhook.php";

  it.each([
    ["Authorization: Bearer", (key: string) => ({ Authorization: `Bearer ${key}` })],
    ["Authorization with the bare key", (key: string) => ({ Authorization: key })],
    ["X-API-Key", (key: string) => ({ "X-API-Key": key })],
  ])("takes the key from %s", async (_name, header) => {
    const { live } = await tenant();
    const res = await call(path, { method: "POST", headers: { "Content-Type": "application/json", ...header(live.key) }, body: JSON.stringify(seedData) });
    expect(res.status).toBe(201);
  });

  it.each([
    ["absent", (({ department: _d, ...rest }) => rest)(seedData)],
    ["null", { ...seedData, department: null }],
    ["empty", { ...seedData, department: "" }],
  ])("echoes department null when it is %s", async (_name, body) => {
    const { workspace, live } = await tenant();
    const res = await call(path, post(live.key, JSON.stringify(body)));
    expect(res.status).toBe(201);
    expect(CallLogCreated.parse(await res.json()).data.department).toBeNull();
    expect((await rowsOf(workspace.id)).callLogs[0]?.department).toBeNull();
  });

  it("keeps phones and identifiers as given, and gives each log a larger integer id", async () => {
    const { live } = await tenant();
    const a = CallLogCreated.parse(await (await call(path, post(live.key, JSON.stringify({ ...seedData, from_phone: "ext. 204" })))).json());
    const b = CallLogCreated.parse(await (await call(path, post(live.key, JSON.stringify({ ...seedData, to_phone: "+44 20 7946 0958" })))).json());
    expect(a.data.from_phone).toBe("ext. 204");
    expect(a.data.title).toBe("Call from ext. 204 to 8006000009 (handled by Agent Smith)");
    expect(b.data.to_phone).toBe("+44 20 7946 0958");
    expect(b.data.id).toBeGreaterThan(a.data.id);
  });

  it("accepts a leap day and the last second of a day", async () => {
    const { live } = await tenant();
    const res = await call(path, post(live.key, JSON.stringify({ ...seedData, start_time: "2024-02-29 23:59:58", end_time: "2024-02-29 23:59:59" })));
    expect(res.status).toBe(201);
  });

  it("writes a test key's log in test mode, apart from live data", async () => {
    const { workspace, live, test } = await tenant();
    expect((await call(path, post(test.key, JSON.stringify(seedData)))).status).toBe(201);
    expect((await call(path, post(live.key, JSON.stringify(seedData)))).status).toBe(201);
    const logs = (await rowsOf(workspace.id)).callLogs;
    expect(logs.map((l) => l.mode).sort()).toEqual(["live", "test"]);
    const other = await tenant();
    expect((await rowsOf(other.workspace.id)).callLogs).toHaveLength(0);
  });

  it("replays an Idempotency-Key's first response and writes once", async () => {
    const { workspace, live } = await tenant();
    const init = post(live.key, JSON.stringify(seedData), { "Idempotency-Key": "call-123" });
    const first = await call(path, init);
    const second = await call(path, init);
    expect(second.status).toBe(201);
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect((await rowsOf(workspace.id)).callLogs).toHaveLength(1);
  });
});

type Case = [string, string, number, unknown, Record<string, string>?];
const body = (patch: Record<string, unknown>) => JSON.stringify({ ...seedData, ...patch });
const without = (...fields: string[]) => JSON.stringify(Object.fromEntries(Object.entries(seedData).filter(([k]) => !fields.includes(k))));
const startFormat = { error: "Invalid start_time format", message: "start_time must be in YYYY-MM-DD HH:MM:SS format", example: "2024-01-15 09:00:00" };
const endFormat = { error: "Invalid end_time format", message: "end_time must be in YYYY-MM-DD HH:MM:SS format", example: "2024-01-15 09:15:00" };
const range = { error: "Invalid time range", message: "end_time must be after start_time" };
const badUrl = { error: "Invalid recording URL", message: "recording_url must be a valid URL" };

const cases: Case[] = [
  ["the seed's missing fields", without("from_phone", "handled_by", "recording_url"), 400, {
    error: "Missing required fields",
    message: "The following fields are required: from_phone, handled_by, recording_url",
    missing_fields: ["from_phone", "handled_by", "recording_url"],
  }],
  ["an empty object", "{}", 400, {
    error: "Missing required fields",
    message: "The following fields are required: from_phone, to_phone, handled_by, start_time, end_time, recording_url",
    missing_fields: ["from_phone", "to_phone", "handled_by", "start_time", "end_time", "recording_url"],
  }],
  ["null and blank values", body({ to_phone: null, handled_by: "  " }), 400, {
    error: "Missing required fields",
    message: "The following fields are required: to_phone, handled_by",
    missing_fields: ["to_phone", "handled_by"],
  }],
  ["a missing field before a bad format", JSON.stringify({ ...JSON.parse(without("to_phone")), start_time: "yesterday" }), 400, {
    error: "Missing required fields",
    message: "The following fields are required: to_phone",
    missing_fields: ["to_phone"],
  }],
  ["an ISO 8601 start_time", body({ start_time: "2024-01-15T09:00:00Z" }), 400, startFormat],
  ["a start_time without seconds", body({ start_time: "2024-01-15 09:00" }), 400, startFormat],
  ["February 30th", body({ start_time: "2024-02-30 09:00:00" }), 400, startFormat],
  ["February 29th of a common year", body({ start_time: "2023-02-29 09:00:00" }), 400, startFormat],
  ["hour 24", body({ start_time: "2024-01-15 24:00:00" }), 400, startFormat],
  ["year 0", body({ start_time: "0000-01-15 09:00:00" }), 400, startFormat],
  ["a bad end_time", body({ end_time: "2024-13-01 09:15:00" }), 400, endFormat],
  ["both times bad", body({ start_time: "x", end_time: "y" }), 400, startFormat],
  ["end before start", body({ end_time: "2024-01-15 08:59:59" }), 400, range],
  ["end equal to start", body({ end_time: "2024-01-15 09:00:00" }), 400, range],
  ["a bad range and a bad URL", body({ end_time: "2024-01-14 09:00:00", recording_url: "nope" }), 400, range],
  ["a recording_url that is no URL", body({ recording_url: "call123.wav" }), 400, badUrl],
  ["an ftp recording_url", body({ recording_url: "ftp://example.com/call.wav" }), 400, badUrl],
  ["a javascript: recording_url", body({ recording_url: "javascript:alert(1)" }), 400, badUrl],
  ["a recording_url over 2048 characters", body({ recording_url: `https://example.com/${"a".repeat(2048)}` }), 400, badUrl],
  ["numbers for the phones", body({ from_phone: 9087270291, to_phone: 8006000009 }), 400, {
    error: "Invalid field values",
    message: "from_phone must be a string, not a number; to_phone must be a string, not a number",
    invalid_fields: ["from_phone", "to_phone"],
  }],
  ["an object for department, and a bad time", body({ department: { name: "x" }, start_time: "x" }), 400, {
    error: "Invalid field values",
    message: "department must be a string, not an object",
    invalid_fields: ["department"],
  }],
  ["an over-long handled_by", body({ handled_by: "x".repeat(201) }), 400, {
    error: "Invalid field values",
    message: "handled_by must be at most 200 characters",
    invalid_fields: ["handled_by"],
  }],
  ["unknown fields", body({ duration: 900, direction: "inbound" }), 400, {
    error: "Unknown fields",
    message: "The following fields are not accepted: duration, direction",
    unknown_fields: ["duration", "direction"],
  }],
  ["malformed JSON", '{"from_phone": "9087270291",', 400, { error: "Invalid JSON", message: "Request body must be valid JSON" }],
  ["a JSON array", JSON.stringify([seedData]), 400, { error: "Invalid JSON", message: "Request body must be a JSON object" }],
  ["JSON null", "null", 400, { error: "Invalid JSON", message: "Request body must be a JSON object" }],
  ["a __proto__ key", body({}).replace("{", '{"__proto__":{"x":1},'), 400, { error: "Invalid JSON", message: "__proto__ is not an allowed key" }],
  ["a control character", body({ handled_by: "Agent\u0007Smith" }), 400, { error: "Invalid characters", message: "handled_by contains a control character" }],
  ["a form-encoded body", "from_phone=1", 415, { error: "Unsupported media type", message: "Content-Type must be application/json" }, { "Content-Type": "application/x-www-form-urlencoded" }],
  ["a body over 64 KB", body({ department: "x".repeat(70_000) }), 413, { error: "Payload too large", message: "The request body is larger than 64 KB" }],
];

describe("errors: the seed's bodies, and nothing written", () => {
  it.each(cases)("%s", async (_name, text, status, expected, headers = {}) => {
    const { workspace, live } = await tenant();
    const res = await call("/webhook.php", post(live.key, text, headers));
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/json");
    const got = await res.json();
    expect(got).toEqual(expected);
    CallvineError.parse(got);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  const authRequired = { error: "Authentication required", message: "API key must be provided in X-API-Key header or Authorization header" };
  const invalidKey = { error: "Invalid API key", message: "The provided API key is not valid" };

  it.each([
    ["no key", {}, authRequired],
    ["an empty X-API-Key", { "X-API-Key": "" }, authRequired],
    ["the seed's test key", { "X-API-Key": "test_key_123" }, invalidKey],
    ["the seed's production key", { Authorization: "Bearer prod_key_456" }, invalidKey],
    ["an unknown key", { "X-API-Key": "rb_live_0123456789abcdefghijklmnopqrstuv" }, invalidKey],
  ])("401 for %s", async (_name, headers, expected) => {
    const res = await call("/webhook.php", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(seedData) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(expected);
  });

  it("401 for a revoked key, writing nothing", async () => {
    const { workspace } = await tenant();
    const key = await makeKey(workspace.id);
    await revoke(key.id);
    const res = await call("/webhook.php", post(key.key, JSON.stringify(seedData)));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(invalidKey);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("403 for a publishable key, and for a key without intake:write", async () => {
    const { workspace } = await tenant();
    const pk = await makeKey(workspace.id, { kind: "publishable" });
    const narrow = await makeKey(workspace.id, { scopes: ["leads:read"] });
    const a = await call("/webhook.php", post(pk.key, JSON.stringify(seedData)));
    expect(a.status).toBe(403);
    expect(await a.json()).toEqual({ error: "Forbidden", message: "A publishable key cannot call this endpoint" });
    const b = await call("/webhook.php", post(narrow.key, JSON.stringify(seedData)));
    expect(b.status).toBe(403);
    expect(await b.json()).toEqual({ error: "Forbidden", message: "This key lacks the intake:write scope" });
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("429 in the seed's shape once the workspace's hourly limit is spent", async () => {
    const { workspace, live } = await tenant("Busy", { requestsPerHour: 2 });
    for (let i = 0; i < 2; i++) expect((await call("/webhook.php", post(live.key, JSON.stringify(seedData)))).status).toBe(201);
    const res = await call("/v1/call_logs", post(live.key, JSON.stringify(seedData)));
    expect(res.status).toBe(429);
    const got = CallvineError.parse(await res.json());
    expect(got).toEqual({ error: "Rate limit exceeded", message: expect.stringMatching(/^Rate limit exceeded; try again in \d+ s$/), retry_after: expect.any(Number) });
    expect(res.headers.get("retry-after")).toBe(String(got.retry_after));
    expect(res.headers.get("x-ratelimit-limit")).toBe("2");
    expect((await rowsOf(workspace.id)).callLogs).toHaveLength(2);
  });

  it("503 in the seed's shape, with Retry-After and no internals, when the database is down", async () => {
    const { live } = await tenant();
    const broken = { ...(env as unknown as Bindings), NEON_SQL_ENDPOINT: "http://127.0.0.1:9/sql" } as Bindings;
    const ctx = createExecutionContext();
    const res = await worker.fetch(incoming("/webhook.php", post(live.key, JSON.stringify(seedData))), broken, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("10");
    expect(await res.json()).toEqual({ error: "Service unavailable", message: "The service is temporarily unavailable; retry after 10 seconds" });
  });
});

// /v1/call_logs also answers the native API's GET (the list of call logs, in problem+json, and
// its HEAD): its Allow says so; the seed's own path, /webhook.php, serves POST only.
const allowed: Record<string, { allow: string; refused: string[] }> = {
  "/webhook.php": { allow: "POST, OPTIONS", refused: ["GET", "PUT", "PATCH", "DELETE"] },
  "/v1/call_logs": { allow: "GET, POST, OPTIONS", refused: ["PUT", "PATCH", "DELETE"] },
};

describe.each(paths)("%s: methods and CORS", (path) => {
  const { allow, refused } = allowed[path] ?? { allow: "", refused: [] };

  it.each(refused)("405 for %s, with Allow, in the seed's body", async (method) => {
    const res = await call(path, { method, headers: { "X-API-Key": "anything" } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(await res.json()).toEqual({ error: "Method not allowed", message: "This endpoint only accepts POST requests", allowed_methods: ["POST"] });
  });

  it.runIf(refused.includes("GET"))("405 for HEAD, without a body", async () => {
    const res = await call(path, { method: "HEAD" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(await res.text()).toBe("");
  });

  it.runIf(!refused.includes("GET"))("answers GET as the native API does: problem+json, no CORS", async () => {
    const res = await call(path, { headers: { Origin: "https://crm.example" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a CORS preflight for X-API-Key", async () => {
    const res = await call(path, {
      method: "OPTIONS",
      headers: { Origin: "https://crm.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://crm.example");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-api-key");
  });

  it("sends CORS headers on the response, errors included", async () => {
    const { live } = await tenant();
    const ok = await call(path, post(live.key, JSON.stringify(seedData), { Origin: "https://crm.example" }));
    expect(ok.status).toBe(201);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://crm.example");
    const refused = await call(path, post("test_key_123", JSON.stringify(seedData), { Origin: "https://crm.example" }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://crm.example");
  });
});

describe("GET /openapi.json", () => {
  it("documents both paths with the request schema and every status", async () => {
    type Schema = { required: string[]; additionalProperties: boolean };
    type Operation = { requestBody: { content: { "application/json": { schema: { $ref: string } } } }; responses: Record<string, unknown> };
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, { post: Operation }>; components: { schemas: Record<string, Schema> } };
    for (const path of paths) {
      const op = doc.paths[path]?.post;
      // Named schemas are in components, referred to by $ref.
      expect(op?.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/CallvineCallLogRequest");
      const schema = doc.components.schemas.CallvineCallLogRequest;
      expect(schema?.required).toEqual(["from_phone", "to_phone", "handled_by", "start_time", "end_time", "recording_url"]);
      expect(schema?.additionalProperties).toBe(false);
      expect(Object.keys(op?.responses ?? {}).sort()).toEqual(["201", "400", "401", "403", "404", "405", "409", "413", "415", "422", "429", "500", "503"]);
    }
  });
});
