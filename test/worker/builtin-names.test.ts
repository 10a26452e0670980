import { describe, expect, it } from "vitest";
import { BrightcallError } from "../../schemas/brightcall.ts";
import { CalldockError } from "../../schemas/calldock.ts";
import { CallMeBackError } from "../../schemas/callmeback.ts";
import { CallvineError } from "../../schemas/callvine.ts";
import { Problem } from "../../schemas/problem.ts";
import { call, makeKey } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";
import { callLog, type Dialect, expectRefusal, type Fixture, fixture, send } from "./route-families.ts";

// A field named after a property every plain object has (valueOf, toString, …) is a field like
// any other: refused where unknown fields are refused, listed by its name, kept where custom
// fields are kept. A publishable key, sent from a page on one of its origins, is enough to send one.

const names = ["valueOf", "toString", "hasOwnProperty", "__defineGetter__", "isPrototypeOf", "toLocaleString"];
const phone = "+14155550100";
const shop = "https://shop.example";
const fromPage = (f: { publishable: string }, method: string, body?: unknown) => send(method, f.publishable, body, { Origin: shop });

const callMeBackFields = (body: unknown) => Object.keys(CallMeBackError.parse(body).details ?? {});
const brightcallFields = (body: unknown) => Object.keys(BrightcallError.parse(body).error.fields ?? {});

type Case = [route: string, dialect: Dialect, status: number, code: string | undefined, request: (f: Fixture & { publishable: string }, name: string) => [string, RequestInit], listed: (body: unknown) => string[]];

const cases: Case[] = [
  ["CallMeBack, at the top", "callmeback", 422, undefined, (f, name) => ["/api/v1/form_responses", fromPage(f, "POST", { [name]: 1 })], callMeBackFields],
  [
    "CallMeBack, in form_response",
    "callmeback",
    422,
    undefined,
    (f, name) => ["/api/v1/form_responses", fromPage(f, "POST", { form_response: { domain_id: f.domain.id, form_data: { phone }, [name]: 1 } })],
    callMeBackFields,
  ],
  [
    "Brightcall, in a link",
    "brightcall",
    422,
    undefined,
    (f, name) => [`/rest/v1/ext/add_call_api/?${new URLSearchParams({ widget_key: f.domain.widgetKey, lc_number: phone, [name]: "1" })}`, fromPage(f, "GET")],
    brightcallFields,
  ],
  ["Brightcall, in JSON", "brightcall", 422, undefined, (f, name) => ["/rest/v1/ext/add_call_api/", fromPage(f, "POST", { widget_key: f.domain.widgetKey, lc_number: phone, [name]: 1 })], brightcallFields],
  ["Brightcall, missing everything else", "brightcall", 422, undefined, (f, name) => [`/rest/v1/ext/add_call_api/?${name}=1`, fromPage(f, "GET")], brightcallFields],
  ["callvine", "callvine", 400, "Unknown fields", (f, name) => ["/v1/call_logs", send("POST", f.key, { ...callLog, [name]: "1" })], (b) => CallvineError.parse(b).unknown_fields ?? []],
  ["Calldock", "calldock", 400, "UNKNOWN_FIELD", (f, name) => ["/v1/make-call", send("POST", f.agentKey, { phone, [name]: 1 }, { "X-Agent-ID": f.agentId })], (b) => (CalldockError.parse(b).error.details ?? []).map((d) => d.field)],
  ["POST /v1/callbacks", "problem", 422, undefined, (f, name) => ["/v1/callbacks", send("POST", f.key, { phone, [name]: 1 })], (b) => (Problem.parse(b).errors ?? []).map((e) => e.path)],
];

async function setup() {
  const f = await fixture();
  const publishable = await makeKey(f.workspaceId, { kind: "publishable", allowedOrigins: [shop] });
  return { ...f, publishable: publishable.key };
}

describe.each(cases)("%s", (_route, dialect, status, code, request, listed) => {
  it.each(names)("refuses a field named %s by its name, writing nothing", async (name) => {
    const f = await setup();
    const [path, init] = request(f, name);
    const body = await expectRefusal(await call(path, init), dialect, status, code);
    expect(listed(body)).toContain(name);
    expect(await countWritten(f.workspaceId)).toBe(0);
  });
});

describe("where custom fields are kept, a built-in name is kept too", () => {
  // A custom field's name starts with a letter or digit, so lc_param___defineGetter__ is refused by that rule.
  it.each(names.filter((name) => /^[A-Za-z]/.test(name)))("Brightcall lc_param_%s", async (name) => {
    const f = await setup();
    const query = new URLSearchParams({ widget_key: f.domain.widgetKey, lc_number: phone, [`lc_param_${name}`]: "kept" });
    const res = await call(`/rest/v1/ext/add_call_api/?${query}`, fromPage(f, "GET"));
    expect(res.status).toBe(201);
    expect((await rowsOf(f.workspaceId)).leads[0]!.customFields).toEqual({ [name]: "kept" });
  });

  it.each(names)("CallMeBack form_data.%s", async (name) => {
    const f = await setup();
    const res = await call("/api/v1/form_responses", fromPage(f, "POST", { form_response: { domain_id: f.domain.id, form_data: { phone, [name]: "kept" } } }));
    expect(res.status).toBe(201);
    expect((await rowsOf(f.workspaceId)).leads[0]!.customFields).toEqual({ [name]: "kept" });
  });
});
