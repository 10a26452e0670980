import { beforeAll, describe, expect, it } from "vitest";
import { allRoutes } from "../../functions/routes/index.ts";
import type { Route as Registered } from "../../functions/routes/route.ts";
import { scopes } from "../../schemas/scopes.ts";
import { call, makeKey, revoke, tenant } from "./fixtures.ts";
import { webhookDeliveries } from "../../db/schema/index.ts";
import { newId } from "../../schemas/ids.ts";
import { callLog, expectRefusal, fixture, managementIds, operationOf, routes, send, type Fixture, type Route } from "./route-families.ts";
import * as schema from "../../db/schema/index.ts";
import { eq } from "drizzle-orm";
import { db } from "./fixtures.ts";

// The checks every route of a kind must pass, run against every route the Worker mounts (in the
// way unkey's runCommonRouteTests does): the list comes from routes/index.ts itself, so a new
// route is covered the moment it is registered, and fails here until it has a valid example
// request in route-families.ts.

const registered = allRoutes(() => ({}));
const operation = (r: Registered) => `${r.config.method.toUpperCase()} ${r.config.path}`;
const keyed = registered.filter((r) => r.kind.keys !== null);
const exampleOf = (r: Registered) => routes.find((e) => operationOf(e.name) === operation(r));

it("has a valid example request for every keyed route, and none for a route that is gone", () => {
  expect(keyed.filter((r) => !exampleOf(r)).map(operation)).toEqual([]);
  const known = new Set(keyed.map(operation));
  expect(routes.map((e) => operationOf(e.name)).filter((op) => !known.has(op))).toEqual([]);
});

/**
 * The rows a request itself writes. Events and webhook deliveries are left out: the calls and
 * webhooks that earlier requests set going keep writing them in the background.
 */
async function countWritten(workspaceId: string): Promise<number> {
  const tables = [schema.leads, schema.formResponses, schema.callbacks, schema.callLogs, schema.webhookEndpoints, schema.dncNumbers];
  const counts = await Promise.all(tables.map((table) => db().$count(table, eq(table.workspaceId, workspaceId))));
  return counts.reduce((sum, n) => sum + n, 0);
}

// One workspace with a row of each kind the routes name, and the keys the checks need. Its
// limits are high enough for every check to be a first try (enterprise, and the phone's
// callbacks per hour: the intake examples all call one number).
let f: Fixture;
let keys: { revoked: string; publishable: string; otherWorkspace: string; noScopes: string; allBut: Record<string, string> };

beforeAll(async () => {
  f = await fixture({ plan: "enterprise", callbacksPerPhonePerHour: 1000 });
  const created = async (path: string, body: unknown) => (await (await call(path, send("POST", f.key, body))).json()) as { id: string; lead_id?: string };
  const callback = await created("/v1/callbacks", { phone: "+14155550123", scheduled_at: new Date(Date.now() + 86_400_000).toISOString() });
  // Disabled: no delivery to a host that does not resolve runs in the background.
  const endpoint = await created("/v1/webhook_endpoints", { url: "https://hooks.example.com/conformance", enabled: false });
  const doomed = await created("/v1/webhook_endpoints", { url: "https://hooks.example.com/doomed", enabled: false });
  await created("/v1/dnc", { phone: "+14155550100" });
  const events = (await (await call("/v1/events", send("GET", f.key))).json()) as { data: { id: string }[] };
  const response = await created("/api/v1/form_responses", { form_response: { domain_id: f.domain.id, form_data: { phone: "+14155550124" } } });
  const log = (await (await call("/v1/call_logs", send("POST", f.key, callLog))).json()) as { data: { id: number } };
  f.ids = {
    callback: callback.id,
    lead: callback.lead_id,
    webhookEndpoint: endpoint.id,
    doomedEndpoint: doomed.id,
    event: events.data[0]?.id,
    formResponse: response.id,
    callLog: String(log.data.id),
  };
  // An enabled endpoint for the routes that send (a test event, a delivery's replay): on a closed
  // loopback port, so its deliveries fail at once. A failed delivery of the first event to it.
  f.ids.liveEndpoint = (await created("/v1/webhook_endpoints", { url: "http://127.0.0.1:9/conformance", events: ["webhook.test"] })).id;
  f.ids.webhookDelivery = newId("webhookDelivery");
  await db().insert(webhookDeliveries).values({ id: f.ids.webhookDelivery, workspaceId: f.workspaceId, mode: "live", eventId: events.data[0]?.id ?? "", endpointId: f.ids.liveEndpoint, status: "failed" });
  Object.assign(f.ids, await managementIds(f));
  expect(Object.values(f.ids)).toEqual(Object.keys(f.ids).map(() => expect.any(String)));

  const revoked = await makeKey(f.workspaceId);
  await revoke(revoked.id);
  const other = await tenant("Another workspace", { plan: "enterprise" });
  const allBut: Record<string, string> = {};
  for (const scope of scopes) allBut[scope] = (await makeKey(f.workspaceId, { scopes: scopes.filter((s) => s !== scope) })).key;
  keys = {
    revoked: revoked.key,
    // Every scope: a route that wrongly took publishable keys would not be saved by its scope.
    publishable: (await makeKey(f.workspaceId, { kind: "publishable", scopes: [...scopes], allowedOrigins: [pageOrigin] })).key,
    otherWorkspace: other.live.key,
    noScopes: (await makeKey(f.workspaceId, { scopes: [] })).key,
    allBut,
  };
}, 60_000);

/** The example request with its key replaced (or removed, for null), wherever the key was sent; from a web page at `origin`, if given. */
function withKey(route: Route, key: string | null, origin?: string): [string, RequestInit] {
  const [path, init] = route.request(f);
  const headers = new Headers(init.headers);
  headers.delete("authorization");
  if (key) headers.set("authorization", `Bearer ${key}`);
  if (origin) headers.set("origin", origin);
  return [path, { ...init, headers }];
}

// The page the publishable key is allowed from.
const pageOrigin = "https://shop.example";

function withBody(route: Route, contentType: string, body: string): [string, RequestInit] {
  const [path, init] = route.request(f);
  const headers = new Headers(init.headers);
  headers.set("content-type", contentType);
  return [path, { ...init, headers, body }];
}

describe.each(keyed.map((r) => [operation(r), r] as const))("%s", (_name, route) => {
  const example = () => {
    const found = exampleOf(route);
    if (!found) throw new Error("no example request (see the first test)");
    return found;
  };
  const takesBody = route.config.method !== "get";
  const refused = async (request: [string, RequestInit], status: number) => {
    const before = await countWritten(f.workspaceId);
    const res = await call(...request);
    await expectRefusal(res, example().dialect, status);
    expect(await countWritten(f.workspaceId)).toBe(before);
    return res;
  };

  it("refuses a request with no key: 401, nothing written", async () => {
    await refused(withKey(example(), null), 401);
  });

  it("refuses a revoked key: 401", async () => {
    await refused(withKey(example(), keys.revoked), 401);
  });

  it("refuses a key without its scope: 403 (or takes any key where it names none)", async () => {
    const scope = route.options.scope;
    if (scope) await refused(withKey(example(), keys.allBut[scope] ?? ""), 403);
    else expect((await call(...withKey(example(), keys.noScopes))).status).toBe(200);
  });

  it("takes a publishable key only where the route allows one", async () => {
    const allowed = (route.options.keyKinds ?? route.kind.keys?.kinds ?? []).includes("publishable");
    if (!allowed) await refused(withKey(example(), keys.publishable, pageOrigin), 403);
    else expect([401, 403]).not.toContain((await call(...withKey(example(), keys.publishable, pageOrigin))).status);
  });

  // Seed 001's call logs alone take secret keys from web pages, as that seed has it.
  it("refuses a secret key sent from another site's page: 403, nothing written", async () => {
    const [path, init] = withKey(example(), f.key, pageOrigin);
    if (route.kind.keys?.secretFromBrowsers) expect((await call(path, init)).status).not.toBe(403);
    else await refused([path, init], 403);
  });

  it.runIf(route.config.method === "post")("replays an Idempotency-Key: the same answer, written once", async () => {
    const key = `conformance-${crypto.randomUUID()}`;
    const request = () => {
      const [path, init] = example().request(f);
      const headers = new Headers(init.headers);
      headers.set("idempotency-key", key);
      return call(path, { ...init, headers });
    };
    const first = await request();
    const firstBody = await first.text();
    const written = await countWritten(f.workspaceId);
    const second = await request();
    expect({ status: second.status, body: await second.text(), replayed: second.headers.get("idempotent-replayed") }).toEqual({
      status: first.status,
      body: firstBody,
      replayed: "true",
    });
    expect(await countWritten(f.workspaceId)).toBe(written);
  });

  it("answers another workspace's key as if the rows it names did not exist, and shows it none of them", async () => {
    if (example().owned) {
      await refused(withKey(example(), keys.otherWorkspace), 404);
      // The rows are there: the owner's own key is not told they are missing.
      expect((await call(...example().request(f))).status).not.toBe(404);
    } else if (route.config.method === "get") {
      // A list: another workspace's key sees its own rows, never these.
      const res = await call(...withKey(example(), keys.otherWorkspace));
      const text = await res.text();
      // An id as JSON shows it: a prefixed id as a string, a call log's integer as an "id" field.
      const shown = (id: string) => text.includes(`"${id}"`) || text.includes(`"id":${id},`) || text.includes(`"id":${id}}`);
      expect(Object.values(f.ids).filter((id) => id && shown(id))).toEqual([]);
    }
  });

  // Routes that declare no body refuse one of another type, and count it against the limit.
  it.runIf(takesBody)("refuses a body that is not its media type: 415, nothing written", async () => {
    const res = await refused(withBody(example(), "text/plain", JSON.stringify({ phone: "+14155550100" })), 415);
    expect(res.status).toBe(415);
  });

  it.runIf(takesBody)("refuses a body over 64 KB: 413, nothing written", async () => {
    await refused(withBody(example(), "application/json", JSON.stringify({ padding: "x".repeat(70 * 1024) })), 413);
  });

  it("sends the rate limit's headers", async () => {
    const res = await call(...example().request(f));
    expect(res.headers.get("x-ratelimit-limit")).toBe("10000");
    expect(res.headers.get("ratelimit-policy")).toContain('"workspace"');
  });
});

describe.each(registered.filter((r) => r.kind.name === "public").map((r) => [operation(r), r] as const))("%s", (_name, route) => {
  it("answers without a key", async () => {
    expect((await call(route.config.path)).status).toBe(200);
  });
});

describe.each(registered.filter((r) => r.kind.name === "twilio").map((r) => [operation(r), r] as const))("%s", (_name, route) => {
  const request = (headers: Record<string, string>, body: string): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body });
  const path = `${route.config.path}?attempt=att_00000000000000000000000000&leg=agent`;

  it("refuses a request without X-Twilio-Signature: 400, in problem+json", async () => {
    await expectRefusal(await call(path, request({}, "CallSid=CA1&CallStatus=ringing")), "problem", 400);
  });

  it("refuses a forged signature: 403", async () => {
    await expectRefusal(await call(path, request({ "X-Twilio-Signature": "forged" }, "CallSid=CA1&CallStatus=ringing")), "problem", 403);
  });

  it("refuses a body over 64 KB: 413", async () => {
    await expectRefusal(await call(path, request({ "X-Twilio-Signature": "forged" }, `Pad=${"x".repeat(70 * 1024)}`)), "problem", 413);
  });
});
