import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { consents } from "../../db/schema/index.ts";
import { call, db, makeAgent, makeDomain, makeKey, makeWorkspace } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";

// "Webhooks by Zapier → POST" against every intake endpoint. That action sends the Data fields
// the user typed, every value as text, as the Payload Type says: `json`, whose keys with double
// underscores become nested objects while Unflatten is on (Zapier's default:
// form_response__form_data__phone → {"form_response": {"form_data": {"phone": …}}}) and stay as
// typed when it is off; or `form`, urlencoded, keys as typed. The key goes in a header the user
// adds. Each endpoint takes the shapes its seed reads and refuses the others with its own 4xx,
// writing nothing.

type Shape = "json, unflatten on" | "json, unflatten off" | "form";
const shapes: Shape[] = ["json, unflatten on", "json, unflatten off", "form"];

/** Zapier's Unflatten: a__b__c = v becomes {a: {b: {c: v}}}. */
function unflatten(data: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const parts = key.split("__");
    let node = out;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) as string] = value;
  }
  return out;
}

/** The request Webhooks by Zapier's POST action makes with these Data fields and headers. */
function zapierPost(path: string, shape: Shape, data: Record<string, string>, headers: Record<string, string>) {
  const body =
    shape === "form"
      ? new URLSearchParams(data).toString()
      : JSON.stringify(shape === "json, unflatten on" ? unflatten(data) : data);
  const type = shape === "form" ? "application/x-www-form-urlencoded" : "application/json";
  return call(path, { method: "POST", headers: { "Content-Type": type, "User-Agent": "Zapier", ...headers }, body });
}

type Setup = { workspaceId: string; headers: Record<string, string>; data: Record<string, string> };
type Endpoint = {
  name: string;
  path: string;
  setup: () => Promise<Setup>;
  /** The answer to each shape: a 2xx for the shapes it takes, else its seed's refusal. */
  answers: Record<Shape, { status: number; body?: unknown }>;
  /** What an accepted request wrote. */
  wrote: (workspaceId: string) => Promise<void>;
};

const phone = "+14155550142";

async function workspaceWith(mode: "test" = "test") {
  const workspace = await makeWorkspace("Zapier inbound", { plan: "enterprise" });
  const key = await makeKey(workspace.id, { mode });
  return { workspaceId: workspace.id, key: key.key };
}

const endpoints: Endpoint[] = [
  {
    name: "CallMeBack form responses (seed 000)",
    path: "/api/v1/form_responses",
    setup: async () => {
      const { workspaceId, key } = await workspaceWith();
      const domain = await makeDomain(workspaceId, "test");
      return {
        workspaceId,
        headers: { Authorization: `Bearer ${key}` },
        data: {
          form_response__domain_id: domain.id,
          form_response__form_type: "zapier",
          form_response__form_data__name: "Ada Lovelace",
          form_response__form_data__phone: phone,
          form_response__form_data__email: "ada@example.com",
          form_response__form_data__utm_source: "facebook",
        },
      };
    },
    answers: {
      "json, unflatten on": { status: 201 },
      // The keys as typed are not seed 000's: form_response is missing, and each is unknown.
      "json, unflatten off": {
        status: 422,
        body: {
          error: "Validation failed",
          details: expect.objectContaining({ form_response: ["is required"], form_response__form_data__phone: ["is invalid"] }),
        },
      },
      form: { status: 415, body: { error: "Content-Type must be application/json" } },
    },
    wrote: async (workspaceId) => {
      const { leads, formResponses } = await rowsOf(workspaceId);
      expect(leads.map((l) => [l.phone, l.name, l.email])).toEqual([[phone, "Ada Lovelace", "ada@example.com"]]);
      expect(formResponses[0]?.formData).toMatchObject({ utm_source: "facebook" });
    },
  },
  {
    name: "callvine call logs (seed 001)",
    path: "/v1/call_logs",
    setup: async () => {
      const { workspaceId, key } = await workspaceWith();
      return {
        workspaceId,
        headers: { "X-API-Key": key },
        data: {
          from_phone: phone,
          to_phone: "+14155550100",
          handled_by: "Agent Smith",
          start_time: "2026-03-02 15:01:01",
          end_time: "2026-03-02 15:04:05",
          recording_url: "https://recordings.example/call.mp3",
          department: "Sales",
        },
      };
    },
    // No field has a double underscore: Unflatten changes nothing, and both JSON shapes are one.
    answers: {
      "json, unflatten on": { status: 201 },
      "json, unflatten off": { status: 201 },
      form: { status: 415, body: { error: "Unsupported media type", message: "Content-Type must be application/json" } },
    },
    wrote: async (workspaceId) => {
      const { callLogs } = await rowsOf(workspaceId);
      expect(callLogs.map((l) => [l.fromPhone, l.handledBy, l.department])).toEqual([[phone, "Agent Smith", "Sales"]]);
    },
  },
  {
    name: "Calldock make-call (seed 002)",
    path: "/v1/make-call",
    setup: async () => {
      const { workspaceId, key } = await workspaceWith();
      const agent = await makeAgent(workspaceId, "test");
      return {
        workspaceId,
        headers: { "X-API-Key": key, "X-Agent-ID": agent.id },
        data: { phone, name: "Ada Lovelace", email: "ada@example.com", metadata__source: "zapier", metadata__campaign: "spring" },
      };
    },
    answers: {
      "json, unflatten on": { status: 200 },
      "json, unflatten off": { status: 400, body: { success: false, error: expect.objectContaining({ code: "UNKNOWN_FIELD" }) } },
      form: { status: 415, body: { success: false, error: expect.objectContaining({ code: "UNSUPPORTED_MEDIA_TYPE" }) } },
    },
    wrote: async (workspaceId) => {
      const { callbacks } = await rowsOf(workspaceId);
      expect(callbacks).toHaveLength(1);
      expect(callbacks[0]?.metadata).toMatchObject({ source: "zapier", campaign: "spring" });
    },
  },
  {
    name: "Brightcall add_call_api (seed 003)",
    path: "/rest/v1/ext/add_call_api/",
    setup: async () => {
      const { workspaceId, key } = await workspaceWith();
      const domain = await makeDomain(workspaceId, "test");
      return {
        workspaceId,
        headers: {},
        // Brightcall's own way: the key among the parameters.
        data: { api_key: key, widget_key: domain.widgetKey, lc_number: phone, lc_param_name: "Ada Lovelace", lc_param_utm_source: "facebook" },
      };
    },
    answers: {
      "json, unflatten on": { status: 201 },
      "json, unflatten off": { status: 201 },
      form: { status: 201 },
    },
    wrote: async (workspaceId) => {
      const { leads, callbacks } = await rowsOf(workspaceId);
      expect(leads.map((l) => [l.phone, l.name, l.customFields])).toEqual([[phone, "Ada Lovelace", { utm_source: "facebook" }]]);
      expect(callbacks).toHaveLength(1);
    },
  },
  {
    name: "native callbacks (seed 004)",
    path: "/v1/callbacks",
    setup: async () => {
      const { workspaceId, key } = await workspaceWith();
      return {
        workspaceId,
        headers: { Authorization: `Bearer ${key}` },
        data: {
          phone,
          name: "Ada Lovelace",
          timezone: "America/Los_Angeles",
          scheduled_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
          metadata__source: "zapier",
        },
      };
    },
    answers: {
      "json, unflatten on": { status: 201 },
      "json, unflatten off": {
        status: 422,
        body: expect.objectContaining({ code: "validation_failed", errors: [{ path: "metadata__source", message: "is not a known field" }] }),
      },
      form: { status: 415, body: expect.objectContaining({ code: "unsupported_media_type" }) },
    },
    wrote: async (workspaceId) => {
      const { callbacks, leads } = await rowsOf(workspaceId);
      expect(callbacks.map((c) => c.metadata)).toEqual([{ source: "zapier" }]);
      expect(leads.map((l) => [l.phone, l.timezone])).toEqual([[phone, "America/Los_Angeles"]]);
    },
  },
];

const cases = endpoints.flatMap((endpoint) => shapes.map((shape) => [endpoint.name, shape, endpoint] as const));

describe("Webhooks by Zapier POSTs to the intake endpoints", () => {
  it.each(cases)("%s, Payload Type %s", async (_name, shape, endpoint) => {
    const { workspaceId, headers, data } = await endpoint.setup();
    const res = await zapierPost(endpoint.path, shape, data, headers);
    const text = await res.text();
    const expected = endpoint.answers[shape];
    expect(res.status, text).toBe(expected.status);
    if (expected.body !== undefined) expect(JSON.parse(text)).toEqual(expected.body);
    if (res.status < 300) await endpoint.wrote(workspaceId);
    else expect(await countWritten(workspaceId)).toBe(0);
  });
});

describe("consent through Webhooks by Zapier", () => {
  // Every Data value is text, so a JSON consent's "checked": "true" is not the boolean the
  // native and CallMeBack APIs take; Brightcall's parameters are text by design and read it.
  it("is refused as text in a CallMeBack JSON body, and writes nothing", async () => {
    const { workspaceId, key } = await workspaceWith();
    const domain = await makeDomain(workspaceId, "test");
    const data = {
      form_response__domain_id: domain.id,
      form_response__form_data__phone: phone,
      form_response__consent__text: "You may call me about my enquiry.",
      form_response__consent__checked: "true",
    };
    const res = await zapierPost("/api/v1/form_responses", "json, unflatten on", data, { Authorization: `Bearer ${key}` });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: "Validation failed", details: { "consent.checked": ["is invalid"] } });
    expect(await countWritten(workspaceId)).toBe(0);
  });

  it.each(["json, unflatten on", "form"] as const)("is taken by add_call_api's lc_param_consent_* parameters, Payload Type %s", async (shape) => {
    const { workspaceId, key } = await workspaceWith();
    const domain = await makeDomain(workspaceId, "test", { requireConsent: true });
    const data = {
      api_key: key,
      widget_key: domain.widgetKey,
      lc_number: phone,
      lc_param_consent_text: "You may call me about my enquiry.",
      lc_param_consent_checked: "true",
      lc_param_consent_url: "https://shop.example/contact",
    };
    const res = await zapierPost("/rest/v1/ext/add_call_api/", shape, data, {});
    expect(res.status, await res.clone().text()).toBe(201);
    const stored = await db().select().from(consents).where(eq(consents.workspaceId, workspaceId));
    expect(stored.map((c) => [c.text, c.checked, c.pageUrl])).toEqual([["You may call me about my enquiry.", true, "https://shop.example/contact"]]);
  });
});
