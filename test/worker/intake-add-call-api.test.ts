import { describe, expect, it } from "vitest";
import { BrightcallError } from "../../schemas/brightcall.ts";
import { accepted, getLink, minimal, path, postForm, postJson, setup, type Params } from "./add-call-api-helpers.ts";
import { bearer, call, makeAgent, makeDomain, makeKey, revoke } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";

describe("the seed's requests as written (host, widget key and key ours)", () => {
  it("POST with the minimal JSON body", async () => {
    const { live, domain, workspace } = await setup();
    const res = await postJson(minimal(domain.widgetKey, live.key));
    const body = await accepted(res);
    // The seed's fields, and when the call will ring with why it waits, if it does (README).
    expect(Object.keys(body).sort()).toEqual(["agent", "callback_id", "hold", "lead_id", "message", "next_attempt_at", "phone", "scheduled_at", "status", "success"]);
    expect(body).toMatchObject({ success: true, status: "scheduled", message: "Call scheduled", phone: "+1234567890", agent: null });
    expect(body.callback_id).toMatch(/^cb_/);
    expect(body.lead_id).toMatch(/^lead_/);
    expect(body.scheduled_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    expect(res.headers.get("referrer-policy")).toBeNull(); // the key came in the body, not the URL

    const rows = await rowsOf(workspace.id);
    expect(rows.leads).toHaveLength(1);
    expect(rows.leads[0]).toMatchObject({ id: body.lead_id, phone: "+1234567890", phoneRaw: "+1234567890", domainId: domain.id, mode: "live" });
    expect(rows.callbacks).toHaveLength(1);
    expect(rows.callbacks[0]).toMatchObject({ id: body.callback_id, source: "add_call_api", status: "scheduled", agentOverride: null, domainId: domain.id, maxAttempts: 5 });
    expect(rows.formResponses).toHaveLength(0);
    expect(rows.events.map((e) => e.type)).toEqual(["lead.updated", "callback.scheduled"]);
    expect(rows.events[1]!.data).toMatchObject({ id: body.callback_id, source: "add_call_api", phone: "+1234567890" });
  });

  it("GET with the minimal query string, + unencoded as in a hand-written link", async () => {
    const { live, domain, workspace } = await setup({}, { defaultCountry: "US" });
    const res = await call(`${path}?widget_key=${domain.widgetKey}&api_key=${live.key}&lc_number=+1234567890`);
    const body = await accepted(res);
    expect(body.phone).toBe("+1234567890"); // not +11234567890, which reading " 1234567890" in the US would give
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });

  it("POST with the full example (in valid JSON) and custom parameters", async () => {
    const { live, domain, workspace } = await setup();
    const params = {
      widget_key: domain.widgetKey,
      api_key: live.key,
      lc_number: "+1234567890",
      lc_param_name: "John Doe",
      lc_param_email: "email@example.com",
      lc_param_message: "Hello, world!",
      lc_number_2: "+1234567892",
      country: "UK",
      lc_param_company: "Acme Ltd",
      lc_param_utm_source: "google",
      lc_param_budget: 5000,
      lc_param_vip: true,
      lc_param_fax: null,
    };
    const body = await accepted(await postJson(params));
    const rows = await rowsOf(workspace.id);
    expect(rows.leads[0]).toMatchObject({
      id: body.lead_id,
      name: "John Doe",
      email: "email@example.com",
      phone: "+1234567890",
      phone2: "+1234567892",
      country: "GB",
      customFields: { message: "Hello, world!", company: "Acme Ltd", utm_source: "google", budget: "5000", vip: "true" },
    });
    expect(rows.callbacks[0]!.metadata).toEqual({ message: "Hello, world!" });
  });

  it("refuses the example exactly as printed (comments, missing commas): 400, nothing written", async () => {
    const { live, domain, workspace } = await setup();
    const printed = `{
    "widget_key": "${domain.widgetKey}",
    "api_key": "${live.key}",
    "lc_number": "+1234567890"
    "lc_param_name": "John Doe", // lead's name
    "country": "UK" // two letter ISO country code
}`;
    const res = await call(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: printed });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ success: false, error: { code: "bad_request", message: "The request body is not valid JSON" } });
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("every way in", () => {
  it("a urlencoded form, with curl -d's unencoded +", async () => {
    const { live, domain, workspace } = await setup({}, { defaultCountry: "US" });
    const res = await call(path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" },
      body: `widget_key=${domain.widgetKey}&api_key=${live.key}&lc_number=+1234567890&lc_param_name=Jane+Roe&lc_param_city=New%20York`,
    });
    expect((await accepted(res)).phone).toBe("+1234567890");
    expect((await rowsOf(workspace.id)).leads[0]).toMatchObject({ name: "Jane Roe", customFields: { city: "New York" } });
  });

  it("a multipart form", async () => {
    const { live, domain, workspace } = await setup();
    const form = new FormData();
    for (const [k, v] of Object.entries({ ...minimal(domain.widgetKey, live.key), lc_param_name: "Jane Roe" })) form.append(k, String(v));
    await accepted(await call(path, { method: "POST", body: form }));
    expect((await rowsOf(workspace.id)).leads[0]?.name).toBe("Jane Roe");
  });

  it.each([
    ["GET", (wk: string, key: string, at: string) => getLink(minimal(wk, key) as Record<string, string>, {}, at)],
    ["POST JSON", (wk: string, key: string, at: string) => postJson(minimal(wk, key), {}, at)],
    ["POST form", (wk: string, key: string, at: string) => postForm(minimal(wk, key) as Record<string, string>, {}, at)],
  ])("%s without the trailing slash", async (_name, send) => {
    const { live, domain } = await setup();
    await accepted(await send(domain.widgetKey, live.key, path.slice(0, -1)));
  });

  it("a POST with the parameters in its query string and no body", async () => {
    const { live, domain } = await setup();
    await accepted(await call(`${path}?${new URLSearchParams(minimal(domain.widgetKey, live.key) as Record<string, string>)}`, { method: "POST" }));
  });

  it("the key in Authorization or X-API-Key instead of api_key", async () => {
    const { live, domain } = await setup();
    const { api_key: _key, ...params } = minimal(domain.widgetKey, live.key);
    await accepted(await postJson(params, bearer(live.key)));
    await accepted(await getLink({ ...(params as Record<string, string>), lc_number: "+14155550100" }, { "X-API-Key": live.key }));
  });
});

describe("the lead and the call", () => {
  it("reads a national number with country UK as GB", async () => {
    const { live, domain, workspace } = await setup({}, { defaultCountry: "US" });
    const body = await accepted(await postJson({ ...minimal(domain.widgetKey, live.key), lc_number: "07700 900123", country: "UK" }));
    expect(body.phone).toBe("+447700900123");
    expect((await rowsOf(workspace.id)).leads[0]).toMatchObject({ phone: "+447700900123", phoneRaw: "07700 900123", country: "GB" });
  });

  it("reads national numbers, lc_number_2 too, in the domain's country", async () => {
    const { live, workspace } = await setup();
    const domain = await makeDomain(workspace.id, "live", { defaultCountry: "US" });
    await accepted(await getLink({ widget_key: domain.widgetKey, api_key: live.key, lc_number: "(415) 555-0100", lc_number_2: "415.555.0199" }));
    expect((await rowsOf(workspace.id)).leads[0]).toMatchObject({ phone: "+14155550100", phone2: "+14155550199", country: "US" });
  });

  it("dials the agent of lc_param_agentNN instead of the queue", async () => {
    const { live, domain, workspace } = await setup();
    const params = { ...minimal(domain.widgetKey, live.key), lc_param_agent05name: "James Smith", lc_param_agent05phone: "+1234567890" };
    const body = await accepted(await postJson(params));
    expect(body.agent).toEqual({ name: "James Smith", phone: "+1234567890" });
    const { callbacks, leads } = await rowsOf(workspace.id);
    expect(callbacks[0]!.agentOverride).toEqual({ name: "James Smith", phone: "+1234567890" });
    expect(leads[0]!.customFields).toEqual({}); // agent parameters are not lead data
  });

  it.each(["07700 900123", "7700900123", "0044 7700 900123", "+44 7700 900123", "447700900123"])(
    "normalises the agent phone %s (with the leading zero or without)",
    async (agentPhone) => {
      const { live, workspace } = await setup();
      const domain = await makeDomain(workspace.id, "live", { defaultCountry: "GB" });
      const body = await accepted(await getLink({ ...(minimal(domain.widgetKey, live.key) as Record<string, string>), lc_param_agent01phone: agentPhone }));
      expect(body.agent).toEqual({ name: null, phone: "+447700900123" });
    },
  );

  it("uses the lowest-numbered of several agents", async () => {
    const { live, domain } = await setup();
    const params = {
      ...minimal(domain.widgetKey, live.key),
      lc_param_agent10name: "Ten",
      lc_param_agent10phone: "+14155550110",
      lc_param_agent02name: "Two",
      lc_param_agent02phone: "+14155550102",
    };
    expect((await accepted(await postJson(params))).agent).toEqual({ name: "Two", phone: "+14155550102" });
  });

  it("schedules the call even when the domain's auto-callback is off, and assigns X-Agent-ID", async () => {
    const { live, workspace } = await setup();
    const domain = await makeDomain(workspace.id, "live", { autoCallback: false, retryMaxAttempts: 2, retryIntervalsSeconds: [60, 300] });
    const agent = await makeAgent(workspace.id);
    await accepted(await postJson(minimal(domain.widgetKey, live.key), { "X-Agent-ID": agent.id }));
    expect((await rowsOf(workspace.id)).callbacks[0]).toMatchObject({ agentId: agent.id, maxAttempts: 2, retryIntervalsSeconds: [60, 300] });
  });

  it("schedules no second call for an identical request within 10 minutes, however it is sent", async () => {
    const { live, domain, workspace } = await setup();
    const params = { ...minimal(domain.widgetKey, live.key), lc_param_name: "John Doe" } as Record<string, string>;
    const first = await accepted(await postJson(params));
    const again = await accepted(await getLink(params), 200);
    expect(again).toMatchObject({ status: "duplicate", callback_id: first.callback_id, lead_id: first.lead_id, scheduled_at: first.scheduled_at });
    expect(again.message).toBe("An identical request in the last 10 minutes already scheduled this call; no second call was scheduled");
    const other = await accepted(await postForm({ ...params, lc_param_name: "Jane Doe" }));
    expect(other.callback_id).not.toBe(first.callback_id);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(2);
  });

  it("409 for an identical request whose call was canceled, as a GET link or a POST: nothing scheduled, Retry-After says when", async () => {
    // Repeats count against the phone's hourly limit: room for the four requests below.
    const { live, domain, workspace } = await setup({ callbacksPerPhonePerHour: 10 });
    const params = { ...minimal(domain.widgetKey, live.key), lc_param_name: "John Doe" } as Record<string, string>;
    const first = await accepted(await postJson(params));
    const canceled = await call(`/v1/callbacks/${first.callback_id}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${live.key}` } });
    expect(canceled.status).toBe(200);

    // Before, this answered 200 "duplicate", "already scheduled this call", for a call that will never ring.
    for (const res of [await getLink(params), await postForm(params)]) {
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toBe("application/json");
      const body = BrightcallError.parse(await res.json());
      expect(body).toEqual({
        success: false,
        error: {
          code: "conflict",
          message: expect.stringMatching(
            new RegExp(`^An identical call asked for in the last 10 minutes \\(${first.callback_id}\\) was canceled, so no call was scheduled; the same request schedules one again in \\d+ s$`),
          ),
        },
      });
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(590);
    }
    const rows = await rowsOf(workspace.id);
    expect(rows.callbacks.map((c) => [c.id, c.status])).toEqual([[first.callback_id, "canceled"]]);
    // Another request still schedules a call.
    await accepted(await postJson({ ...params, lc_param_name: "Jane Doe" }));
  });
});

describe("bad input: the exact error body, and nothing written", () => {
  const invalid = (fields: Record<string, string[]>) => ({
    success: false,
    error: { code: "validation_failed", message: `Missing or invalid parameters: ${Object.keys(fields).join(", ")}`, fields },
  });
  type Case = [string, (wk: string, key: string) => RequestInit & { query?: string }, number, unknown];
  const json = (params: Params): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(params) });
  const link = (query: string) => ({ query });
  const cases: Case[] = [
    ["no parameters but the key", (_wk, key) => json({ api_key: key }), 422, invalid({ widget_key: ["is required"], lc_number: ["is required"] })],
    ["empty values, as a form left blank sends them", (_wk, key) => link(`api_key=${key}&widget_key=&lc_number=`), 422, invalid({ widget_key: ["is required"], lc_number: ["is required"] })],
    [
      "several bad fields at once",
      (wk, key) => json({ widget_key: wk, api_key: key, lc_param_email: "not-an-email", country: "USA", phone: "+14155550100", "lc_param_a b": "x", lc_param_agent01name: "Ann" }),
      422,
      invalid({
        lc_number: ["is required"],
        country: ["must be a two-letter country code"],
        lc_param_email: ["is not a valid email address"],
        phone: ["is not a known parameter; custom fields start with lc_param_"],
        "lc_param_a b": ["is not a valid custom field name: use letters, digits, _ . - (at most 64)"],
        lc_param_agent01phone: ["is required with lc_param_agent01name"],
      }),
    ],
    ["an unknown country", (wk, key) => link(`widget_key=${wk}&api_key=${key}&lc_number=%2B14155550100&country=XX`), 422, invalid({ country: ["is not a known country code"] })],
    ["a name too long", (wk, key) => json({ ...minimal(wk, key), lc_param_name: "x".repeat(201) }), 422, invalid({ lc_param_name: ["must be at most 200 characters"] })],
    ["an object for a value", (wk, key) => json({ ...minimal(wk, key), lc_number: { number: "+1" } }), 422, invalid({ lc_number: ["must be text, a number or a boolean"] })],
    ["a JSON array", (_wk, key) => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: "[]", query: `api_key=${key}` }), 422, invalid({ body: ["must be a JSON object of parameters"] })],
    [
      "phones that are not ones (after the widget key is found)",
      (wk, key) => json({ ...minimal(wk, key), lc_number: "12", lc_number_2: "0412", lc_param_agent01phone: "abc" }),
      422,
      invalid({
        lc_number: ["is not a valid phone number; use international format, e.g. +14155550100"],
        lc_number_2: ["is not a valid phone number; use international format, e.g. +14155550100"],
        lc_param_agent01phone: ["is not a valid phone number; use international format, e.g. +14155550100"],
      }),
    ],
    ["a national number with no country to read it in", (wk, key) => json({ ...minimal(wk, key), lc_number: "4155550100" }), 422, invalid({ lc_number: ["is not a valid phone number; use international format, e.g. +14155550100"] })],
    ["a parameter twice with different values", (wk, key) => ({ ...json(minimal(wk, key)), query: "lc_number=%2B14155550100" }), 422, invalid({ lc_number: ["is given more than once, with different values"] })],
    ["a control character in a query value", (wk, key) => link(`widget_key=${wk}&api_key=${key}&lc_number=%2B14155550100&lc_param_name=A%00B`), 400, { success: false, error: { code: "bad_request", message: "lc_param_name contains a control character", fields: { lc_param_name: ["contains a control character"] } } }],
    ["a control character in a JSON value", (wk, key) => json({ ...minimal(wk, key), lc_param_name: "A\u0007B" }), 400, { success: false, error: { code: "bad_request", message: "lc_param_name contains a control character", fields: { lc_param_name: ["contains a control character"] } } }],
    ["a __proto__ key", (wk, key) => ({ ...json({}), body: `{"__proto__": {"x": 1}, "widget_key": "${wk}", "api_key": "${key}", "lc_number": "+1234567890"}` }), 400, { success: false, error: { code: "bad_request", message: "__proto__ is not an allowed key", fields: JSON.parse('{"__proto__": ["is not an allowed key"]}') } }],
    ["a text/plain body", (wk, key) => ({ method: "POST", headers: { "Content-Type": "text/plain" }, body: JSON.stringify(minimal(wk, key)), query: `api_key=${key}` }), 415, { success: false, error: { code: "unsupported_media_type", message: "Content-Type must be application/json, application/x-www-form-urlencoded or multipart/form-data" } }],
    ["a body over 64 KB", (wk, key) => json({ ...minimal(wk, key), lc_param_pad: "x".repeat(70_000) }), 413, { success: false, error: { code: "payload_too_large", message: "The request body is larger than 64 KB" } }],
    ["an unknown widget key", (_wk, key) => json(minimal("wk_does_not_exist", key)), 404, { success: false, error: { code: "not_found", message: "Unknown widget_key", fields: { widget_key: ["is not a widget key of this API key's workspace and mode"] } } }],
  ];

  it.each(cases)("%s", async (_name, make, status, expected) => {
    const { live, domain, workspace } = await setup();
    const { query, ...init } = make(domain.widgetKey, live.key);
    const res = await call(query ? `${path}?${query}` : path, { method: "GET", ...init });
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body).toEqual(expected);
    BrightcallError.parse(body);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("refuses a file in a multipart form", async () => {
    const { live, domain, workspace } = await setup();
    const form = new FormData();
    for (const [k, v] of Object.entries(minimal(domain.widgetKey, live.key))) form.append(k, String(v));
    form.append("lc_param_cv", new File(["%PDF"], "cv.pdf", { type: "application/pdf" }));
    const res = await call(path, { method: "POST", body: form });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual(invalid({ lc_param_cv: ["must be text, not a file"] }));
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("answers HEAD and other methods 405, scheduling nothing", async () => {
    const { live, domain, workspace } = await setup();
    const query = new URLSearchParams(minimal(domain.widgetKey, live.key) as Record<string, string>);
    const head = await call(`${path}?${query}`, { method: "HEAD" });
    expect(head.status).toBe(405);
    const put = await call(path, { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST, OPTIONS");
    expect(await put.json()).toEqual({ success: false, error: { code: "method_not_allowed", message: "Use GET or POST" } });
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("keys", () => {
  it.each([
    ["no key", () => ({}), { code: "unauthorized", message: "An API key is required" }],
    ["an unknown key", () => ({ api_key: "rb_live_0123456789abcdefghijklmnopqrstuv" }), { code: "unauthorized", message: "The API key is not valid" }],
  ])("answers %s with 401", async (_name, key, error) => {
    const { domain, workspace } = await setup();
    const res = await postJson({ widget_key: domain.widgetKey, lc_number: "+1234567890", ...key() });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, error });
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("refuses a revoked key, and one without intake:write", async () => {
    const { workspace, domain } = await setup();
    const revoked = await makeKey(workspace.id);
    await revoke(revoked.id);
    expect((await postJson(minimal(domain.widgetKey, revoked.key))).status).toBe(401);
    const narrow = await makeKey(workspace.id, { scopes: ["leads:read"] });
    const res = await postJson(minimal(domain.widgetKey, narrow.key));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ success: false, error: { code: "forbidden", message: "This key lacks the intake:write scope" } });
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("takes a publishable key from its allowed origin only", async () => {
    const { workspace, domain } = await setup();
    const pk = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const ok = await postJson(minimal(domain.widgetKey, pk.key), { Origin: "https://shop.example" });
    await accepted(ok);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    const other = await postJson(minimal(domain.widgetKey, pk.key), { Origin: "https://evil.example" });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ success: false, error: { code: "forbidden", message: "This publishable key is not allowed from this origin" } });
    // A plain link carries no Origin: refused too. A key that names no origins works from none (signed links are for links).
    expect((await getLink({ ...(minimal(domain.widgetKey, pk.key) as Record<string, string>), lc_number: "+14155550100" })).status).toBe(403);
    const open = await makeKey(workspace.id, { kind: "publishable" });
    const written = await countWritten(workspace.id);
    const refused = await getLink({ ...(minimal(domain.widgetKey, open.key) as Record<string, string>), lc_number: "+14155550100" });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ success: false, error: { code: "forbidden", message: "This publishable key has no allowed origins, so it works from none" } });
    expect(await countWritten(workspace.id)).toBe(written);
  });

  // Review of issue 10: a publishable key is public and Origin is forgeable outside a browser;
  // letting it name the agent's phone made Ringback a relay between any two numbers.
  it("refuses a publishable key that names who is rung first (lc_param_agentNN…): 403, nothing written", async () => {
    const { workspace, domain } = await setup();
    const pk = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const link = { ...(minimal(domain.widgetKey, pk.key) as Record<string, string>), lc_number: "+14155550100", lc_param_agent01phone: "+442079460000" };
    const res = await getLink(link, { Origin: "https://shop.example" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ success: false, error: { code: "forbidden", message: "lc_param_agentNN… names who is rung first: a secret key is required for it" } });
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it.each([path, path.slice(0, -1)])("answers a CORS preflight for GET and POST at %s, for the key's origin", async (at) => {
    const { workspace } = await setup();
    const pk = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
    const res = await call(`${at}?api_key=${pk.key}`, { method: "OPTIONS", headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
  });

  it("sends Referrer-Policy: no-referrer whenever the URL held the key, success or error", async () => {
    const { live, domain } = await setup();
    const ok = await getLink(minimal(domain.widgetKey, live.key) as Record<string, string>);
    expect(ok.status).toBe(201);
    expect(ok.headers.get("referrer-policy")).toBe("no-referrer");
    for (const query of [
      `api_key=${live.key}&widget_key=${domain.widgetKey}`, // 422
      `api_key=${live.key}&widget_key=wk_nope&lc_number=%2B14155550100`, // 404
      "api_key=rb_live_0123456789abcdefghijklmnopqrstuv", // 401
    ]) {
      const res = await call(`${path}?${query}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  it("is the only kind of route that takes a key from the query string", async () => {
    const { live } = await setup();
    const res = await call(`/v1/me?api_key=${live.key}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });
});

describe("workspaces and modes stay apart", () => {
  it("404s another workspace's widget key, writing nothing in either", async () => {
    const mine = await setup();
    const theirs = await setup();
    const res = await postJson(minimal(theirs.domain.widgetKey, mine.live.key));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, error: { code: "not_found", message: "Unknown widget_key", fields: { widget_key: ["is not a widget key of this API key's workspace and mode"] } } });
    expect(await countWritten(mine.workspace.id)).toBe(0);
    expect(await countWritten(theirs.workspace.id)).toBe(0);
  });

  it("404s a live widget key for a test key; a test widget key works with it", async () => {
    const { workspace, domain, test } = await setup();
    expect((await postJson(minimal(domain.widgetKey, test.key))).status).toBe(404);
    expect(await countWritten(workspace.id)).toBe(0);
    const testDomain = await makeDomain(workspace.id, "test");
    await accepted(await postJson(minimal(testDomain.widgetKey, test.key)));
    const rows = await rowsOf(workspace.id);
    expect(rows.leads.map((l) => l.mode)).toEqual(["test"]);
    expect(rows.callbacks.map((cb) => cb.mode)).toEqual(["test"]);
  });
});

describe("retries and limits", () => {
  it("replays the first answer for a repeated Idempotency-Key", async () => {
    const { live, domain, workspace } = await setup();
    const headers = { "Idempotency-Key": "zap-123" };
    const first = await postJson(minimal(domain.widgetKey, live.key), headers);
    const firstBody = await accepted(first);
    const again = await postJson(minimal(domain.widgetKey, live.key), headers);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
    const changed = await postJson({ ...minimal(domain.widgetKey, live.key), lc_param_name: "Other" }, headers);
    expect(changed.status).toBe(422);
    expect(await changed.json()).toEqual({ success: false, error: { code: "validation_failed", message: "This Idempotency-Key was used with a different request" } });
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });

  it("sends the rate-limit headers and a 429 in this shape once the plan's limit is spent", async () => {
    const { live, domain } = await setup({ requestsPerHour: 3 });
    for (let i = 0; i < 3; i++) {
      const res = await postJson({ ...minimal(domain.widgetKey, live.key), lc_number: `+1415555010${i}` });
      expect(res.status).toBe(201);
      expect(res.headers.get("x-ratelimit-limit")).toBe("3");
      expect(res.headers.get("x-ratelimit-remaining")).toBe(String(2 - i));
      expect(res.headers.get("ratelimit-policy")).toContain('"phone";q=3;w=3600');
    }
    const res = await postJson(minimal(domain.widgetKey, live.key));
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { retry_after: number } };
    expect(body).toEqual({ success: false, error: { code: "rate_limited", message: expect.stringMatching(/^Rate limit exceeded; try again in \d+ s$/), retry_after: expect.any(Number) } });
    expect(res.headers.get("retry-after")).toBe(String(body.error.retry_after));
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(res.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
  });

  it("counts a refused request too, with the headers on the error", async () => {
    const { live, domain } = await setup();
    const res = await postJson({ widget_key: domain.widgetKey, api_key: live.key });
    expect(res.status).toBe(422);
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
  });

  it("refuses a fourth call to one phone within the hour with 429, writing nothing for it", async () => {
    const { live, domain, workspace } = await setup();
    for (let i = 0; i < 3; i++) await accepted(await postJson({ ...minimal(domain.widgetKey, live.key), lc_param_message: `try ${i}` }));
    const res = await postJson({ ...minimal(domain.widgetKey, live.key), lc_param_message: "try 3" });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ success: false, error: { code: "rate_limited", message: expect.stringMatching(/^Too many callbacks to this phone number/) } });
    const rows = await rowsOf(workspace.id);
    expect(rows.callbacks).toHaveLength(3);
    expect(rows.leads[0]!.customFields).toEqual({ message: "try 2" });
  });
});

describe("the OpenAPI document", () => {
  it("describes GET and POST with the error shape", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const route = doc.paths[path] ?? {};
    expect(Object.keys(route).sort()).toEqual(["get", "post"]);
    // 409: an identical request whose call was canceled, on GET too, where a link schedules calls.
    expect(Object.keys(route.post?.responses ?? {}).sort()).toEqual(["200", "201", "400", "401", "403", "404", "405", "409", "413", "415", "422", "429", "503"]);
    expect(Object.keys(route.get?.responses ?? {}).sort()).toEqual(["200", "201", "400", "401", "403", "404", "405", "409", "422", "429", "503"]);
  });
});
