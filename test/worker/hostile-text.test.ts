import { describe, expect, it } from "vitest";
import { newId } from "../../schemas/ids.ts";
import { call } from "./fixtures.ts";
import { countWritten } from "./rows.ts";
import { callLog, type Dialect, expectRefusal, type Fixture, fixture, send } from "./route-families.ts";

// PostgreSQL cannot store a NUL, and its jsonb refuses half of a UTF-16 surrogate pair. Either,
// anywhere in a request (a path's id, a query filter, a body field or key), is a 400 in the
// route's own error shape, before any SQL, and writes nothing.

type Case = [name: string, dialect: Dialect, request: (f: Fixture) => [string, RequestInit]];

const nul = "a\u0000b";
const endpointId = () => newId("webhookEndpoint");
const eventId = () => newId("event");
const phone = "+14155550100";

const get = (path: string): Case[2] => (f) => [path, send("GET", f.key)];

const inPaths: Case[] = [
  ["GET /v1/webhook_endpoints/%00", "problem", get("/v1/webhook_endpoints/%00")],
  ["PATCH /v1/webhook_endpoints/%00", "problem", (f) => ["/v1/webhook_endpoints/%00", send("PATCH", f.key, { description: "x" })]],
  ["DELETE /v1/webhook_endpoints/%00", "problem", (f) => ["/v1/webhook_endpoints/%00", send("DELETE", f.key)]],
  ["POST /v1/webhook_endpoints/%00/rotate_secret", "problem", (f) => ["/v1/webhook_endpoints/%00/rotate_secret", send("POST", f.key)]],
  ["GET /v1/events/%00", "problem", get("/v1/events/%00")],
  ["POST /v1/events/%00/replay", "problem", (f) => ["/v1/events/%00/replay", send("POST", f.key, {})]],
  ["GET /v1/callbacks/cb_%00", "problem", get("/v1/callbacks/cb_%00")],
  ["POST /v1/callbacks/%00/cancel", "problem", (f) => ["/v1/callbacks/%00/cancel", send("POST", f.key)]],
  ["GET /v1/callbacks/%00/eligibility", "problem", get("/v1/callbacks/%00/eligibility")],
  ["GET /v1/leads/%00", "problem", get("/v1/leads/%00")],
  ["PATCH /v1/leads/%00", "problem", (f) => ["/v1/leads/%00", send("PATCH", f.key, { name: "Ada" })]],
  ["GET /v1/leads/%00/compliance", "problem", get("/v1/leads/%00/compliance")],
  ["DELETE /v1/dnc/%00", "problem", (f) => ["/v1/dnc/%00", send("DELETE", f.key)]],
];

const inQueries: Case[] = [
  ["GET /v1/webhook_deliveries?endpoint_id=%00", "problem", get("/v1/webhook_deliveries?endpoint_id=%00")],
  ["GET /v1/webhook_deliveries?event_id=%00", "problem", get("/v1/webhook_deliveries?event_id=%00")],
  ["GET /v1/webhook_endpoints?cursor=%00", "problem", get("/v1/webhook_endpoints?cursor=%00")],
  ["GET /v1/events?type=%00", "problem", get("/v1/events?type=%00")],
  ["GET /v1/leads?domain_id=%00", "problem", get("/v1/leads?domain_id=%00")],
  ["GET /v1/callbacks?lead_id=%00", "problem", get("/v1/callbacks?lead_id=%00")],
  ["GET /v1/dnc?phone=%00", "problem", get("/v1/dnc?phone=%00")],
  ["Brightcall GET ?lc_param_name=a%00b", "brightcall", (f) => [`/rest/v1/ext/add_call_api/?${new URLSearchParams({ widget_key: f.domain.widgetKey, lc_number: phone, lc_param_name: nul })}`, send("GET", f.key)]],
];

// Bodies: each value is sent as JSON, where a lone surrogate is written as its \ud800 escape.
const inBodies = (bad: string): Case[] => [
  ["POST /v1/webhook_endpoints description", "problem", (f) => ["/v1/webhook_endpoints", send("POST", f.key, { url: "https://hooks.example.com/", description: bad })]],
  ["POST /v1/webhook_endpoints events[0]", "problem", (f) => ["/v1/webhook_endpoints", send("POST", f.key, { url: "https://hooks.example.com/", events: [bad] })]],
  ["PATCH /v1/webhook_endpoints/{id} description", "problem", (f) => [`/v1/webhook_endpoints/${endpointId()}`, send("PATCH", f.key, { description: bad })]],
  ["POST /v1/events/{id}/replay endpoint_id", "problem", (f) => [`/v1/events/${eventId()}/replay`, send("POST", f.key, { endpoint_id: bad })]],
  ["POST /v1/callbacks name", "problem", (f) => ["/v1/callbacks", send("POST", f.key, { phone, name: bad })]],
  ["POST /v1/callbacks metadata key", "problem", (f) => ["/v1/callbacks", send("POST", f.key, { phone, metadata: { [bad]: 1 } })]],
  ["PATCH /v1/leads/{id} custom_fields", "problem", (f) => [`/v1/leads/${newId("lead")}`, send("PATCH", f.key, { custom_fields: { note: bad } })]],
  ["POST /v1/dnc reason", "problem", (f) => ["/v1/dnc", send("POST", f.key, { phone, reason: bad })]],
  ["CallMeBack form_data.name", "callmeback", (f) => ["/api/v1/form_responses", send("POST", f.key, { form_response: { domain_id: f.domain.id, form_data: { phone, name: bad } } })]],
  ["callvine handled_by (/webhook.php)", "callvine", (f) => ["/webhook.php", send("POST", f.key, { ...callLog, handled_by: bad })]],
  ["callvine handled_by (/v1/call_logs)", "callvine", (f) => ["/v1/call_logs", send("POST", f.key, { ...callLog, handled_by: bad })]],
  ["Calldock name", "calldock", (f) => ["/v1/make-call", send("POST", f.agentKey, { phone, name: bad }, { "X-Agent-ID": f.agentId })]],
  ["Brightcall POST lc_param_name", "brightcall", (f) => ["/rest/v1/ext/add_call_api/", send("POST", f.key, { widget_key: f.domain.widgetKey, lc_number: phone, lc_param_name: bad })]],
];

describe.each([
  ["a NUL in a path", inPaths],
  ["a NUL in a query", inQueries],
  ["a NUL in a body", inBodies(nul)],
  ["a lone high surrogate in a body", inBodies("a\ud800b")],
  ["a lone low surrogate in a body", inBodies("\udc00")],
])("%s", (_where, cases) => {
  it.each(cases)("%s: 400 in the route's shape, nothing written", async (_name, dialect, request) => {
    const f = await fixture();
    const before = await countWritten(f.workspaceId);
    const [path, init] = request(f);
    await expectRefusal(await call(path, init), dialect, 400);
    expect(await countWritten(f.workspaceId)).toBe(before);
  });
});

describe("what a URL cannot carry", () => {
  it("percent-encoded surrogate bytes are not a surrogate: an id that names nothing, 404", async () => {
    const f = await fixture();
    await expectRefusal(await call("/v1/events/%ED%A0%80", send("GET", f.key)), "problem", 404);
    await expectRefusal(await call("/v1/webhook_endpoints/%ED%A0%80", send("GET", f.key)), "problem", 404);
  });
});
