import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { committedSdkSchema, generateSdkSchema } from "../../dev/sdk-schema.ts";
import type { Demo } from "../../dev/demo.ts";
import { type Callback, createRingback, type Ringback } from "../../sdk/src/index.ts";
import { verifyWebhook, type WebhookEvent, WebhookVerificationError } from "../../sdk/src/webhooks.ts";
import { type DevRun, startDev, stopDev } from "./dev-server.ts";

// The SDK (sdk/): its generated types are what openapi-typescript makes of the committed
// openapi.json, its client talks to `npm run dev` with a key that run made, and its verifier
// accepts a real delivery from that Worker and refuses what is not one.

describe("sdk/src/schema.ts", () => {
  it("is what openapi-typescript makes of the committed openapi.json", async () => {
    const generated = await generateSdkSchema();
    // Compared whole, not diffed: the file is 450 KB, and the fix is the same whatever changed.
    expect(committedSdkSchema() === generated, "sdk/src/schema.ts is out of date with openapi.json: run `npm run sdk` and commit the result").toBe(true);
  }, 60_000);
});

describe("the README's SDK examples", () => {
  // examples/*.ts are type-checked (npm run typecheck); the READMEs must show that same code.
  const examples = ["sdk/examples/intake.ts", "sdk/examples/verify-webhook.ts"].map((file) => readFileSync(file, "utf8").trimEnd());
  it.each(["sdk/README.md", "README.md"])("%s shows both, as type-checked", (readme) => {
    const text = readFileSync(readme, "utf8");
    for (const code of examples) expect(text.includes(`\`\`\`ts\n${code}\n\`\`\``), `${readme} should show, in a ts block, exactly:\n${code}`).toBe(true);
  });
});

const whsec = () => `whsec_${randomBytes(32).toString("base64")}`;
const envelope = JSON.stringify({ id: "evt_1", event: "lead.updated", created_at: "2026-12-01T12:00:00.000Z", data: { id: "lead_1", phone: "+14155550123" } });

/** Headers as Ringback sends them: signed now (or at `at`) by each secret, newest first. */
function signed(body: string, secrets: string[], at = new Date(), id = "whd_01TEST"): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(id, at, body)).join(" "),
  };
}

describe("verifyWebhook, against signatures made by standardwebhooks itself", () => {
  const secret = whsec();

  it("returns the envelope, typed, from a string or bytes, with headers as a plain object in any case or as Headers", () => {
    const headers = signed(envelope, [secret]);
    const event = verifyWebhook(secret, envelope, headers);
    expect(event).toEqual(JSON.parse(envelope));
    expect(event.event === "lead.updated" && event.data.id).toBe("lead_1");
    const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(secret, Buffer.from(envelope), shouting)).toEqual(event);
    expect(verifyWebhook(secret, new TextEncoder().encode(envelope), new Headers(headers))).toEqual(event);
  });

  it("takes either secret during a rotation (two signatures)", () => {
    const old = whsec();
    const headers = signed(envelope, [secret, old]);
    expect(verifyWebhook(secret, envelope, headers).id).toBe("evt_1");
    expect(verifyWebhook(old, envelope, headers).id).toBe("evt_1");
  });

  const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
  const inTenMinutes = new Date(Date.now() + 10 * 60_000);
  describe.each([
    ["a tampered body", () => verifyWebhook(secret, envelope.replace("lead_1", "lead_2"), signed(envelope, [secret])), /No matching signature/],
    ["another secret", () => verifyWebhook(whsec(), envelope, signed(envelope, [secret])), /No matching signature/],
    ["a timestamp 10 minutes old", () => verifyWebhook(secret, envelope, signed(envelope, [secret], tenMinutesAgo)), /too old/],
    ["a timestamp 10 minutes ahead", () => verifyWebhook(secret, envelope, signed(envelope, [secret], inTenMinutes)), /too new/],
    ["no webhook-signature", () => verifyWebhook(secret, envelope, { ...signed(envelope, [secret]), "webhook-signature": undefined }), /Missing required headers/],
    ["a signed body that is no envelope", () => verifyWebhook(secret, "[1]", signed("[1]", [secret])), /not a Ringback event envelope/],
    ["a signed body that is not JSON", () => verifyWebhook(secret, "{", signed("{", [secret])), /not a Ringback event envelope/],
    ["a signed empty body", () => verifyWebhook(secret, "", signed("", [secret])), /not a Ringback event envelope/],
  ])("refuses %s", (_what, verify, message) => {
    it("with WebhookVerificationError", () => {
      expect(verify).toThrow(WebhookVerificationError);
      expect(verify).toThrow(message);
    });
  });
});

describe("the README's receiver (sdk/examples/verify-webhook.ts), run", () => {
  it("answers 204 to a signed delivery and 401 to a tampered one", async () => {
    const { default: receiver } = await import("../../sdk/examples/verify-webhook.ts");
    const env = { RINGBACK_WEBHOOK_SECRET: whsec() };
    const post = (body: string, headers: Record<string, string>) => receiver.fetch(new Request("https://example.com/hooks", { method: "POST", body, headers }), env);
    const headers = signed(envelope, [env.RINGBACK_WEBHOOK_SECRET]);
    expect((await post(envelope, headers)).status).toBe(204);
    expect((await post(envelope.replace("lead_1", "lead_2"), headers)).status).toBe(401);
  });
});

describe("createRingback", () => {
  it("refuses a missing baseUrl or key at once", () => {
    expect(() => createRingback({ baseUrl: "", apiKey: "rb_test_x" })).toThrow(/baseUrl is required/);
    expect(() => createRingback({ baseUrl: "http://127.0.0.1:1", apiKey: "" })).toThrow(/apiKey is required/);
  });

  it("sends the key as Authorization: Bearer through the fetch it is given", async () => {
    const seen: Request[] = [];
    const ringback = createRingback({
      baseUrl: "https://ringback.example.com/",
      apiKey: "rb_test_abc",
      fetch: async (request) => {
        seen.push(request);
        return Response.json({ workspace: { id: "ws_1", name: "Demo" } });
      },
    });
    const { data } = await ringback.GET("/v1/me");
    expect(data?.workspace.name).toBe("Demo");
    expect(seen.map((r) => [r.method, r.url, r.headers.get("authorization")])).toEqual([["GET", "https://ringback.example.com/v1/me", "Bearer rb_test_abc"]]);
  });

  it("sends a publishable key as api_key in the URL, where a preflight shows it, and no Authorization", async () => {
    const seen: { url: string; authorization: string | null; body: string }[] = [];
    const ringback = createRingback({
      baseUrl: "https://ringback.example.com",
      apiKey: "rb_pk_test_abc",
      fetch: async (request) => {
        seen.push({ url: request.url, authorization: request.headers.get("authorization"), body: await request.text() });
        return Response.json({ id: "cb_1" }, { status: 201 });
      },
    });
    await ringback.POST("/v1/callbacks", { body: { phone: "+14155550123" } });
    expect(seen).toEqual([{ url: "https://ringback.example.com/v1/callbacks?api_key=rb_pk_test_abc", authorization: null, body: '{"phone":"+14155550123"}' }]);
  });
});

// Generous: the machine has two shared cores and may be busy with the rest of the suite.
const patience = 120_000;
type Received = { body: Buffer; headers: IncomingHttpHeaders };

async function until<T>(what: string, probe: () => T | null | undefined | false): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - started > patience) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the SDK against npm run dev", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ringback-sdk-"));
  const received: Received[] = [];
  let receiver: Server;
  let dev: DevRun;
  let demo: Demo;
  let ringback: Ringback;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ body: Buffer.concat(chunks), headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    dev = await startDev(dataDir);
    // The keys this run made for its demo workspace (dev prints them, and keeps them here).
    demo = JSON.parse(readFileSync(join(dataDir, "demo.json"), "utf8")) as Demo;
    ringback = createRingback({ baseUrl: dev.base, apiKey: demo.test_key });
  }, 300_000);

  afterAll(async () => {
    if (dev) await stopDev(dev);
    receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("schedules a callback, reads it back, and verifies the callback.scheduled delivery it caused", { timeout: 300_000 }, async () => {
    const address = receiver.address();
    if (!address || typeof address === "string") throw new Error("the receiver has no port");
    const endpoint = await ringback.POST("/v1/webhook_endpoints", {
      body: { url: `http://127.0.0.1:${address.port}/hooks`, events: ["callback.scheduled"] },
    });
    expect(endpoint.response.status, JSON.stringify(endpoint.error)).toBe(201);
    const secret = endpoint.data?.secret ?? "";
    expect(secret).toMatch(/^whsec_/);

    // The README's intake call, in this run's own demo workspace (a new data directory makes one).
    const phone = "+14155550123";
    const scheduledAt = new Date(Date.now() + 60 * 60_000).toISOString();
    const made = await ringback.POST("/v1/callbacks", {
      params: { header: { "idempotency-key": `sdk-${randomBytes(8).toString("hex")}` } },
      body: { phone, name: "Ada Lovelace", domain_id: demo.test_domain_id, scheduled_at: scheduledAt, timezone: "America/New_York", metadata: { signup_id: 8841 } },
    });
    expect(made.response.status, JSON.stringify(made.error)).toBe(201);
    const callback: Callback | undefined = made.data;
    expect(callback).toMatchObject({ phone, status: "scheduled", domain_id: demo.test_domain_id, metadata: { signup_id: 8841 } });
    const id = callback?.id ?? "";
    expect(id).toMatch(/^cb_/);

    const read = await ringback.GET("/v1/callbacks/{id}", { params: { path: { id } } });
    expect(read.data).toMatchObject({ id, phone, lead_id: callback?.lead_id, timezone: "America/New_York" });

    // A refusal is a typed problem+json in `error`, not an exception.
    const refused = await ringback.POST("/v1/callbacks", { body: { phone: "not a phone", domain_id: demo.test_domain_id } });
    expect(refused.data).toBeUndefined();
    expect(refused.response.status).toBe(422);
    expect(refused.error).toMatchObject({ status: 422, code: expect.any(String) });
    expect(refused.error?.errors?.map((e) => e.path)).toContain("phone");
    // A publishable key, as a page on one of its origins would send it (the browser adds Origin).
    const shop = "https://shop.example";
    const pk = await ringback.POST("/v1/keys", { body: { kind: "publishable", allowed_origins: [shop] } });
    expect(pk.response.status, JSON.stringify(pk.error)).toBe(201);
    const fromPage = createRingback({
      baseUrl: dev.base,
      apiKey: String(pk.data?.key),
      fetch: async (request) => fetch(request.url, { method: request.method, headers: { "Content-Type": "application/json", Origin: shop }, body: await request.text() }),
    });
    const asked = await fromPage.POST("/v1/callbacks", { body: { phone: "+14155550124", domain_id: demo.test_domain_id } });
    expect(asked.response.status, JSON.stringify(asked.error)).toBe(201);
    expect(asked.response.headers.get("access-control-allow-origin")).toBe(shop);
    const stranger = createRingback({ baseUrl: dev.base, apiKey: `rb_test_${"x".repeat(32)}` });
    expect((await stranger.GET("/v1/callbacks/{id}", { params: { path: { id } } })).response.status).toBe(401);

    // The delivery the Worker sent to the loopback receiver, verified as a receiver would.
    const delivery = await until("the callback.scheduled delivery", () => received.find((r) => r.body.toString().includes(id)));
    const event = verifyWebhook(secret, delivery.body, delivery.headers);
    expect(event.event).toBe("callback.scheduled");
    const scheduled = event as WebhookEvent<"callback.scheduled">;
    expect(scheduled.data).toMatchObject({ id, lead_id: callback?.lead_id, status: "scheduled", phone });
    expect(delivery.headers["webhook-id"]).toMatch(/^whd_/);

    const raw = delivery.body.toString();
    expect(() => verifyWebhook(secret, raw.replace(id, `${id}x`), delivery.headers)).toThrow(/No matching signature/);
    expect(() => verifyWebhook(whsec(), raw, delivery.headers)).toThrow(/No matching signature/);
    // The same delivery signed again with its own secret, ten minutes ago: refused for its age
    // alone, since signed now it passes.
    const deliveryId = String(delivery.headers["webhook-id"]);
    expect(() => verifyWebhook(secret, raw, signed(raw, [secret], new Date(Date.now() - 10 * 60_000), deliveryId))).toThrow(/too old/);
    expect(verifyWebhook(secret, raw, signed(raw, [secret], new Date(), deliveryId)).id).toBe(event.id);
  });
});

