import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeKey, generateKey, hashKey } from "../../functions/lib/keys.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { parseEnvelope } from "../../schemas/events.ts";
import { newId } from "../../schemas/ids.ts";
import { defaultScopes } from "../../schemas/scopes.ts";
import { startDev, stopDev, type DevRun } from "./dev-server.ts";

// The Zapier app, run by zapier-platform-core's own appTester against `npm run dev`: the
// authentication test and connection label; a trigger's subscription getting a real event,
// signed, at a loopback receiver standing in for Zapier's hook URL, then perform on that body,
// and unsubscribing; performList; each action and the search, with the API's refusals surfaced;
// and a receiver answering 410, which disables its endpoint.

const require = createRequire(import.meta.url);
type Bundle = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: what a step returns, whose shape each test checks with expect or a schema
type AppTester = (method: unknown, bundle?: Bundle) => Promise<any>;
const zapier: { createAppTester(app: unknown): AppTester } = require("zapier-platform-core");
const app = require("../../integrations/zapier/index.js");
const appTester = zapier.createAppTester(app);

// Generous: the machine has two shared cores and may be busy with the rest of the suite.
const patience = 180_000;
const dataDir = mkdtempSync(join(tmpdir(), "ringback-zapier-"));
let dev: DevRun;
let db: pg.Client;
let receiver: Server;
let receiverBase: string;
let authData: { api_key: string };
const workspaceName = `Zapier Co ${newId("workspace").slice(-6)}`;

type Delivery = { path: string; headers: IncomingHttpHeaders; body: string };
const deliveries: Delivery[] = [];
// The receiver answers 410 on paths under /gone, as Zapier does for a Zap that was turned off.
const statusFor = (path: string) => (path.startsWith("/gone") ? 410 : 200);

let phoneCounter = 0;
// A fresh number for each callback: a phone has an hourly callback limit.
const nextPhone = () => `+1415555${String(100 + phoneCounter++).padStart(4, "0")}`;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${dev.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${authData.api_key}`, ...(body !== undefined && { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > patience) throw new Error(`timed out waiting for ${what}\n${dev.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The Zapier error thrown by the app: z.errors.Error carries {message, code, status} as JSON. */
async function refusal(promise: Promise<unknown>): Promise<{ name: string; message: string; code?: string; status?: number }> {
  const error = await promise.then(
    () => {
      throw new Error("expected the step to fail");
    },
    (e: Error) => e,
  );
  try {
    return { name: error.name, ...JSON.parse(error.message) };
  } catch {
    return { name: error.name, message: error.message };
  }
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");

beforeAll(async () => {
  db = new pg.Client({ connectionString: inject("stack").databaseUrl });
  await db.connect();
  receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      deliveries.push({ path, headers: req.headers, body });
      res.writeHead(statusFor(path), { "Content-Type": "application/json" }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  // A workspace of its own, on a plan whose hourly request limit the test cannot reach.
  const workspaceId = newId("workspace");
  const key = generateKey("secret", "test");
  await db.query("INSERT INTO workspaces (id, name, plan) VALUES ($1, $2, 'enterprise')", [workspaceId, workspaceName]);
  const { prefix, last4 } = describeKey(key);
  await db.query("INSERT INTO api_keys (id, workspace_id, mode, kind, key_hash, prefix, last4, scopes) VALUES ($1, $2, 'test', 'secret', $3, $4, $5, $6)", [
    newId("apiKey"), workspaceId, await hashKey(key), prefix, last4, defaultScopes.secret,
  ]);
  authData = { api_key: key };

  dev = await startDev(dataDir);
  process.env.RINGBACK_API_URL = dev.base;
}, 300_000);

afterAll(async () => {
  if (dev) await stopDev(dev);
  receiver?.close();
  await db?.end();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the Zapier app against npm run dev", () => {
  it("authenticates with GET /v1/me and labels the connection with the workspace and mode; a bad key is refused with the API's message", async () => {
    const me = await appTester(app.authentication.test, { authData });
    expect(me.workspace.name).toBe(workspaceName);
    expect(me.mode).toBe("test");
    const label = await appTester(app.authentication.connectionLabel, { authData, inputData: me });
    expect(label).toBe(`${workspaceName} (test)`);

    const wrong = await refusal(appTester(app.authentication.test, { authData: { api_key: generateKey("secret", "test") } }));
    expect(wrong.name).toBe("ExpiredAuthError");
    expect(wrong.message).toMatch(/key/i);
  });

  it("subscribes a trigger, gets a real signed event at the hook URL, performs on it, and unsubscribes", { timeout: 600_000 }, async () => {
    const trigger = app.triggers.callback_scheduled.operation;
    const targetUrl = `${receiverBase}/hooks/catch/scheduled`;
    const endpoint = await appTester(trigger.performSubscribe, { authData, targetUrl });
    expect(endpoint).toMatchObject({ url: targetUrl, events: ["callback.scheduled"], enabled: true });
    expect(endpoint.id).toMatch(/^we_/);

    // A real event: a callback made through the app's own Create Callback action.
    const callback = await appTester(app.creates.create_callback.operation.perform, { authData, inputData: { phone: nextPhone(), name: "Ada Lovelace" } });
    const delivered = await until("the callback.scheduled delivery", () =>
      deliveries.find((d) => d.path === "/hooks/catch/scheduled" && JSON.parse(d.body).data.id === callback.id),
    );
    // Signed with the endpoint's secret, which performSubscribe kept in subscribeData.
    new Webhook(endpoint.secret).verify(delivered.body, delivered.headers as Record<string, string>);

    const [event, ...rest] = await appTester(trigger.perform, {
      authData,
      subscribeData: endpoint,
      cleanedRequest: JSON.parse(delivered.body),
      rawRequest: { method: "POST", content: delivered.body, headers: delivered.headers },
    });
    expect(rest).toEqual([]);
    expect(parseEnvelope(event)).toMatchObject({ event: "callback.scheduled", data: { id: callback.id, lead_id: callback.lead_id } });
    expect(event.id).toMatch(/^evt_/);

    // Only the one type: creating the callback also wrote lead.updated, which this endpoint never gets.
    await new Promise((r) => setTimeout(r, 3000));
    expect(deliveries.filter((d) => d.path === "/hooks/catch/scheduled").map((d) => JSON.parse(d.body).event)).toEqual(
      expect.arrayContaining(["callback.scheduled"]),
    );
    expect(deliveries.filter((d) => d.path === "/hooks/catch/scheduled").every((d) => JSON.parse(d.body).event === "callback.scheduled")).toBe(true);

    expect(await appTester(trigger.performUnsubscribe, { authData, subscribeData: endpoint })).toEqual({ id: endpoint.id, deleted: true });
    expect((await api("GET", `/v1/webhook_endpoints/${endpoint.id}`)).status).toBe(404);
    // Unsubscribing what is already gone is done, not an error.
    expect(await appTester(trigger.performUnsubscribe, { authData, subscribeData: endpoint })).toEqual({ id: endpoint.id, deleted: true });
  });

  it("performList gives recent events of the trigger's type, newest first, each with an id", async () => {
    const made = [];
    for (let i = 0; i < 3; i++) {
      // An hour ahead, so the dialler adds no retry's callback.scheduled between them.
      made.push(await appTester(app.creates.create_callback.operation.perform, { authData, inputData: { phone: nextPhone(), scheduled_at: inAnHour() } }));
    }
    const listed = await appTester(app.triggers.callback_scheduled.operation.performList, { authData });
    expect(listed.length).toBeGreaterThanOrEqual(3);
    for (const event of listed) {
      expect(parseEnvelope(event).event).toBe("callback.scheduled");
      expect(event.id).toMatch(/^evt_/);
    }
    // The three just made, newest first (another test's callback may add an event between them).
    const ours = new Set(made.map((c) => c.id));
    expect(listed.map((e: { data: { id: string } }) => e.data.id).filter((id: string) => ours.has(id))).toEqual(made.map((c) => c.id).toReversed());
    const times = listed.map((e: { created_at: string }) => Date.parse(e.created_at));
    expect(times).toEqual(times.toSorted((a: number, b: number) => b - a));
    // Another type's list holds none of these.
    const missed = await appTester(app.triggers.call_missed.operation.performList, { authData });
    expect(missed.every((e: { event: string }) => e.event === "call.missed")).toBe(true);
  });

  it("Create Callback takes scheduled_at and timezone; the API's refusal is the step's error", async () => {
    const scheduledAt = inAnHour().replace("Z", "+00:00"); // as a Zapier datetime field gives it
    const callback = Callback.parse(
      await appTester(app.creates.create_callback.operation.perform, {
        authData,
        inputData: { phone: nextPhone(), name: "Grace Hopper", email: "grace@example.com", scheduled_at: scheduledAt, timezone: "America/New_York", domain_id: "", metadata: { zap: "lead form" } },
      }),
    );
    expect(Date.parse(callback.scheduled_at)).toBe(Date.parse(scheduledAt));
    expect(callback).toMatchObject({ timezone: "America/New_York", name: "Grace Hopper", metadata: { zap: "lead form" }, source: "api" });

    const bad = await refusal(appTester(app.creates.create_callback.operation.perform, { authData, inputData: { phone: nextPhone(), timezone: "Mars/Olympus" } }));
    expect(bad.status).toBe(422);
    expect(bad.message).toContain("timezone");
  });

  it("Log Call stores a call log; a bad time is refused with callvine's message", async () => {
    const log = await appTester(app.creates.log_call.operation.perform, {
      authData,
      inputData: {
        from_phone: "+14155550123",
        to_phone: "+14155550100",
        handled_by: "Agent Smith",
        start_time: "2026-03-02 15:01:01",
        end_time: "2026-03-02 15:04:05",
        recording_url: "https://recordings.example/call.mp3",
        department: "",
      },
    });
    expect(log).toMatchObject({ handled_by: "Agent Smith", department: null, title: "Call from +14155550123 to +14155550100 (handled by Agent Smith)" });
    expect(Number.isInteger(log.id)).toBe(true);
    expect((await api("GET", `/v1/call_logs/${log.id}`)).status).toBe(200);

    const bad = await refusal(
      appTester(app.creates.log_call.operation.perform, {
        authData,
        inputData: { from_phone: "1", to_phone: "2", handled_by: "A", start_time: "2026-03-02T15:01:01Z", end_time: "2026-03-02 15:04:05", recording_url: "https://r.example/x" },
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.message).toContain("YYYY-MM-DD HH:MM:SS");
  });

  it("Add to Do-Not-Call lists the number; Find Lead finds a lead by phone and by email", async () => {
    const phone = nextPhone();
    const entry = await appTester(app.creates.add_to_dnc.operation.perform, { authData, inputData: { phone, reason: "asked not to be called" } });
    expect(entry).toMatchObject({ phone, reason: "asked not to be called" });
    const listed = await api("GET", `/v1/dnc?phone=${encodeURIComponent(phone)}`);
    expect(listed.body.data).toEqual([entry]);
    const national = await refusal(appTester(app.creates.add_to_dnc.operation.perform, { authData, inputData: { phone: "4155550100" } }));
    expect(national.status).toBe(422);
    expect(national.message).toContain("phone");

    const leadPhone = nextPhone();
    const callback = await appTester(app.creates.create_callback.operation.perform, { authData, inputData: { phone: leadPhone, email: "Find.Me@example.com", scheduled_at: inAnHour() } });
    const byPhone = await appTester(app.searches.find_lead.operation.perform, { authData, inputData: { phone: leadPhone } });
    expect(byPhone.map((l: { id: string }) => l.id)).toEqual([callback.lead_id]);
    const byEmail = await appTester(app.searches.find_lead.operation.perform, { authData, inputData: { email: "find.me@example.com", phone: "" } });
    expect(byEmail.map((l: { id: string }) => l.id)).toEqual([callback.lead_id]);
    expect(await appTester(app.searches.find_lead.operation.perform, { authData, inputData: { email: "nobody@example.com" } })).toEqual([]);
    const neither = await refusal(appTester(app.searches.find_lead.operation.perform, { authData, inputData: {} }));
    expect(neither.message).toContain("phone number or an email");
  });

  it("a hook URL answering 410 gets its endpoint disabled", { timeout: 600_000 }, async () => {
    const trigger = app.triggers.lead_updated.operation;
    const endpoint = await appTester(trigger.performSubscribe, { authData, targetUrl: `${receiverBase}/gone/lead` });
    await appTester(app.creates.create_callback.operation.perform, { authData, inputData: { phone: nextPhone(), name: "Turned Off" } });
    const disabled = await until("the endpoint to be disabled", async () => {
      const { body } = await api("GET", `/v1/webhook_endpoints/${endpoint.id}`);
      return body.enabled === false && body;
    });
    expect(disabled.disabled_reason).toBe("the endpoint answered 410 Gone");
    const gone = deliveries.filter((d) => d.path === "/gone/lead").length;
    expect(gone).toBe(1);

    // Disabled, it gets nothing more.
    await appTester(app.creates.create_callback.operation.perform, { authData, inputData: { phone: nextPhone(), name: "Still Off", scheduled_at: inAnHour() } });
    await new Promise((r) => setTimeout(r, 5000));
    expect(deliveries.filter((d) => d.path === "/gone/lead").length).toBe(gone);
  });
});
