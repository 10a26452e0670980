import { expect } from "vitest";
import { BrightcallError } from "../../schemas/brightcall.ts";
import { CalldockError } from "../../schemas/calldock.ts";
import { CallMeBackError } from "../../schemas/callmeback.ts";
import { CallvineError } from "../../schemas/callvine.ts";
import { newId } from "../../schemas/ids.ts";
import { Problem } from "../../schemas/problem.ts";
import { eq } from "drizzle-orm";
import { agents } from "../../db/schema/index.ts";
import { call, db, makeAgent, makeDomain, makeKey, tenant } from "./fixtures.ts";

// One valid request to every keyed route, grouped by the error shape (dialect) the route answers
// in, for the tests that break a dependency or send hostile text and check every route answers
// in its own shape. Ids are well formed but need not exist: what is checked fails before them.

export type Dialect = "problem" | "callmeback" | "callvine" | "calldock" | "brightcall";

export type Fixture = Awaited<ReturnType<typeof fixture>>;

export async function fixture(settings: Parameters<typeof tenant>[1] = {}) {
  const t = await tenant("Route families", settings);
  const domain = await makeDomain(t.workspace.id);
  const agent = await makeAgent(t.workspace.id);
  const agentKey = await makeKey(t.workspace.id, { agentId: agent.id });
  // Rows the requests may name by id; where absent, a well-formed id of nothing.
  // `doomedEndpoint` is the one a DELETE may take away.
  const ids: Partial<Record<"callback" | "lead" | "webhookEndpoint" | "doomedEndpoint" | "event" | "formResponse" | "callLog" | "agent" | "domain" | "spareAgent" | "apiKey" | "webhookDelivery" | "liveEndpoint" | "link", string>> = {};
  return { workspaceId: t.workspace.id, key: t.live.key, domain, agentId: agent.id, agentKey: agentKey.key, ids };
}

/**
 * Rows the management routes name by id (conformance.test.ts adds them to `ids`): the fixture's
 * agent and domain, an agent to deactivate (with a post-call URL, whose secret can be rotated),
 * a key to revoke and a link to read and revoke. Without them those routes name ids of nothing,
 * as the other routes do.
 */
export async function managementIds(f: Fixture) {
  const spareAgent = await makeAgent(f.workspaceId);
  await db().update(agents).set({ webhookUrl: "https://hooks.example.com/agent" }).where(eq(agents.id, spareAgent.id));
  const spareKey = await makeKey(f.workspaceId, { scopes: ["leads:read"] });
  const link = (await (await call("/v1/links", send("POST", f.key, { domain_id: f.domain.id }))).json()) as { id: string };
  return { agent: f.agentId, domain: f.domain.id, spareAgent: spareAgent.id, apiKey: spareKey.id, link: link.id };
}

const idOf = (f: Fixture, kind: Exclude<keyof Fixture["ids"], "doomedEndpoint" | "callLog" | "spareAgent" | "liveEndpoint">) => f.ids[kind] ?? newId(kind);

/**
 * `owned`: the request names rows of the fixture's workspace (an id in the path, a domain, a
 * widget key, an agent), so the same request with another workspace's key is a 404.
 */
export type Route = { name: string; dialect: Dialect; owned?: boolean; writes?: false; request: (f: Fixture) => [string, RequestInit] };

/** "GET /v1/callbacks/{id}" from a route's name, whatever it says before the method. */
export const operationOf = (name: string) => /(GET|POST|PATCH|PUT|DELETE) \/\S*/.exec(name)?.[0] ?? name;

/** A request with the key as a bearer token and, if given, a JSON body. */
export const send = (method: string, key: string, body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { Authorization: `Bearer ${key}`, ...(body !== undefined && { "Content-Type": "application/json" }), ...headers },
  ...(body !== undefined && { body: JSON.stringify(body) }),
});

export const callLog = {
  from_phone: "9087270291",
  to_phone: "8006000009",
  handled_by: "Agent Smith",
  start_time: "2024-01-15 09:00:00",
  end_time: "2024-01-15 09:15:00",
  recording_url: "https://example.com/recordings/call123.wav",
};

const native = (name: string, method: string, path: (f: Fixture) => string, body?: unknown): Route => ({
  name,
  dialect: "problem",
  owned: name.includes("{"),
  request: (f) => [path(f), send(method, f.key, body)],
});

export const routes: Route[] = [
  {
    name: "CallMeBack POST /api/v1/form_responses",
    dialect: "callmeback",
    owned: true,
    request: (f) => ["/api/v1/form_responses", send("POST", f.key, { form_response: { domain_id: f.domain.id, form_data: { phone: "+14155550100" } } })],
  },
  { name: "callvine POST /webhook.php", dialect: "callvine", request: (f) => ["/webhook.php", send("POST", f.key, callLog)] },
  { name: "callvine POST /v1/call_logs", dialect: "callvine", request: (f) => ["/v1/call_logs", send("POST", f.key, callLog)] },
  {
    name: "Calldock POST /v1/make-call",
    dialect: "calldock",
    owned: true,
    request: (f) => ["/v1/make-call", send("POST", f.agentKey, { phone: "+14155550100" }, { "X-Agent-ID": f.agentId })],
  },
  {
    name: "Brightcall GET /rest/v1/ext/add_call_api/",
    dialect: "brightcall",
    owned: true,
    request: (f) => [`/rest/v1/ext/add_call_api/?${new URLSearchParams({ widget_key: f.domain.widgetKey, lc_number: "+14155550100" })}`, send("GET", f.key)],
  },
  {
    name: "Brightcall POST /rest/v1/ext/add_call_api/",
    dialect: "brightcall",
    owned: true,
    request: (f) => ["/rest/v1/ext/add_call_api/", send("POST", f.key, { widget_key: f.domain.widgetKey, lc_number: "+14155550100" })],
  },
  native("POST /v1/callbacks", "POST", () => "/v1/callbacks", { phone: "+14155550100" }),
  native("GET /v1/callbacks", "GET", () => "/v1/callbacks"),
  native("GET /v1/callbacks/{id}", "GET", (f) => `/v1/callbacks/${idOf(f, "callback")}`),
  native("POST /v1/callbacks/{id}/cancel", "POST", (f) => `/v1/callbacks/${idOf(f, "callback")}/cancel`),
  native("GET /v1/callbacks/{id}/attempts", "GET", (f) => `/v1/callbacks/${idOf(f, "callback")}/attempts`),
  native("GET /v1/callbacks/{id}/eligibility", "GET", (f) => `/v1/callbacks/${idOf(f, "callback")}/eligibility`),
  native("GET /v1/leads", "GET", () => "/v1/leads"),
  native("GET /v1/leads/{id}", "GET", (f) => `/v1/leads/${idOf(f, "lead")}`),
  native("PATCH /v1/leads/{id}", "PATCH", (f) => `/v1/leads/${idOf(f, "lead")}`, { name: "Ada" }),
  native("GET /v1/leads/{id}/compliance", "GET", (f) => `/v1/leads/${idOf(f, "lead")}/compliance`),
  native("POST /v1/dnc", "POST", () => "/v1/dnc", { phone: "+14155550100" }),
  native("GET /v1/dnc", "GET", () => "/v1/dnc"),
  native("DELETE /v1/dnc/{phone}", "DELETE", () => "/v1/dnc/%2B14155550100"),
  native("POST /v1/webhook_endpoints", "POST", () => "/v1/webhook_endpoints", { url: "https://hooks.example.com/ringback" }),
  native("GET /v1/webhook_endpoints", "GET", () => "/v1/webhook_endpoints"),
  native("GET /v1/webhook_endpoints/{id}", "GET", (f) => `/v1/webhook_endpoints/${idOf(f, "webhookEndpoint")}`),
  native("PATCH /v1/webhook_endpoints/{id}", "PATCH", (f) => `/v1/webhook_endpoints/${idOf(f, "webhookEndpoint")}`, { description: "CRM" }),
  native("DELETE /v1/webhook_endpoints/{id}", "DELETE", (f) => `/v1/webhook_endpoints/${f.ids.doomedEndpoint ?? newId("webhookEndpoint")}`),
  native("POST /v1/webhook_endpoints/{id}/rotate_secret", "POST", (f) => `/v1/webhook_endpoints/${idOf(f, "webhookEndpoint")}/rotate_secret`),
  native("GET /v1/webhook_deliveries", "GET", () => "/v1/webhook_deliveries"),
  native("GET /v1/webhook_deliveries/{id}", "GET", (f) => `/v1/webhook_deliveries/${idOf(f, "webhookDelivery")}`),
  native("POST /v1/webhook_deliveries/{id}/replay", "POST", (f) => `/v1/webhook_deliveries/${idOf(f, "webhookDelivery")}/replay`),
  // A fresh workspace has no failed delivery to replay: the request succeeds and writes nothing.
  { ...native("POST /v1/webhook_deliveries/replay", "POST", () => "/v1/webhook_deliveries/replay", { since: "2026-01-01T00:00:00Z" }), writes: false },
  native("POST /v1/webhook_endpoints/{id}/test", "POST", (f) => `/v1/webhook_endpoints/${f.ids.liveEndpoint ?? newId("webhookEndpoint")}/test`),
  native("GET /v1/events", "GET", () => "/v1/events"),
  native("GET /v1/events/{id}", "GET", (f) => `/v1/events/${idOf(f, "event")}`),
  native("POST /v1/events/{id}/replay", "POST", (f) => `/v1/events/${idOf(f, "event")}/replay`, {}),
  native("GET /v1/me", "GET", () => "/v1/me"),
  // management: agents, domains, keys
  native("POST /v1/agents", "POST", () => "/v1/agents", { name: "Ada", phone: "+14155550100" }),
  native("GET /v1/agents", "GET", () => "/v1/agents"),
  native("GET /v1/agents/{id}", "GET", (f) => `/v1/agents/${idOf(f, "agent")}`),
  native("PATCH /v1/agents/{id}", "PATCH", (f) => `/v1/agents/${idOf(f, "agent")}`, { department: "Sales" }),
  native("POST /v1/agents/{id}/deactivate", "POST", (f) => `/v1/agents/${f.ids.spareAgent ?? newId("agent")}/deactivate`),
  native("POST /v1/agents/{id}/rotate_webhook_secret", "POST", (f) => `/v1/agents/${f.ids.spareAgent ?? newId("agent")}/rotate_webhook_secret`),
  native("POST /v1/domains", "POST", () => "/v1/domains", { name: "new.example" }),
  native("GET /v1/domains", "GET", () => "/v1/domains"),
  native("GET /v1/domains/{id}", "GET", (f) => `/v1/domains/${idOf(f, "domain")}`),
  native("PATCH /v1/domains/{id}", "PATCH", (f) => `/v1/domains/${idOf(f, "domain")}`, { name: "shop.example" }),
  native("POST /v1/keys", "POST", () => "/v1/keys", { name: "CI", scopes: ["leads:read"] }),
  native("GET /v1/keys", "GET", () => "/v1/keys"),
  native("GET /v1/keys/{id}", "GET", (f) => `/v1/keys/${idOf(f, "apiKey")}`),
  native("POST /v1/keys/{id}/revoke", "POST", (f) => `/v1/keys/${idOf(f, "apiKey")}/revoke`),
  // signed links (the link itself, /l/{token}, takes no key: test/worker/links.test.ts)
  { name: "POST /v1/links", dialect: "problem", request: (f) => ["/v1/links", send("POST", f.key, { domain_id: f.domain.id })] },
  native("GET /v1/links", "GET", () => "/v1/links"),
  native("GET /v1/links/{id}", "GET", (f) => `/v1/links/${idOf(f, "link")}`),
  native("DELETE /v1/links/{id}", "DELETE", (f) => `/v1/links/${idOf(f, "link")}`),
  // reads: form responses, call logs, metrics (call logs have integer ids)
  native("GET /v1/form_responses", "GET", () => "/v1/form_responses"),
  native("GET /v1/form_responses/{id}", "GET", (f) => `/v1/form_responses/${idOf(f, "formResponse")}`),
  native("GET /v1/call_logs", "GET", () => "/v1/call_logs"),
  native("GET /v1/call_logs/{id}", "GET", (f) => `/v1/call_logs/${f.ids.callLog ?? "2147483647"}`),
  native("GET /v1/metrics", "GET", () => "/v1/metrics"),
];

// The code each dialect answers a refusal with (problem+json's `code`, the seeds' error.code or
// `error`), by status. CallMeBack's body is {"error": message}, so only its status says which.
const codes: Record<Dialect, Partial<Record<number, string>>> = {
  problem: { 400: "bad_request", 422: "validation_failed", 500: "internal", 503: "unavailable" },
  callmeback: {},
  callvine: { 400: "Invalid characters", 500: "Database error", 503: "Service unavailable" },
  calldock: { 400: "INVALID_REQUEST", 500: "INTERNAL_ERROR", 503: "SERVICE_UNAVAILABLE" },
  brightcall: { 400: "bad_request", 422: "validation_failed", 500: "internal", 503: "unavailable" },
};

/** Checks a refusal is `status` in the route's own error shape (and `code`, if the status has several) and returns its body. */
export async function expectRefusal(res: Response, dialect: Dialect, status: number, code = codes[dialect][status]) {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  const body: unknown = JSON.parse(text);
  switch (dialect) {
    case "problem":
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(Problem.parse(body)).toMatchObject({ status, ...(code && { code }) });
      break;
    case "callmeback":
      CallMeBackError.strict().parse(body);
      break;
    case "callvine":
      expect(CallvineError.strict().parse(body).error).toEqual(code ?? expect.any(String));
      break;
    case "calldock":
      expect(CalldockError.parse(body)).toMatchObject({ success: false, error: { code: code ?? expect.any(String) } });
      break;
    case "brightcall":
      expect(BrightcallError.parse(body)).toMatchObject({ success: false, error: { code: code ?? expect.any(String) } });
      break;
  }
  if (dialect !== "problem") expect(res.headers.get("content-type")).toBe("application/json");
  return body as Record<string, unknown>;
}
