import { Ratelimit } from "@upstash/ratelimit";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { domains, idempotencyKeys } from "../../db/schema/index.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { inFlightKey, redisClient, redisKey } from "../../functions/lib/redis.ts";
import { call, db, json, makeDomain, makeKey, tenant, testEnv } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";

/** Callbacks counted against a phone's limit of `limit` an hour, as the limiter itself reads them. */
async function phoneCount(workspaceId: string, phone: string, limit: number): Promise<number> {
  const limiter = new Ratelimit({ redis: redisClient(testEnv()), limiter: Ratelimit.slidingWindow(limit, "1 h"), prefix: redisKey(testEnv(), "ratelimit", "phone", String(limit)) });
  return limit - (await limiter.getRemaining(`${workspaceId}:live:${phone}`)).remaining;
}

const path = "/api/v1/form_responses";
const body = (domainId: string, phone = "+14155550100") => ({
  form_response: { domain_id: domainId, form_data: { name: "Ada", phone, message: "call me" } },
});

async function setup() {
  const t = await tenant("Idempotent shop", { requestsPerHour: 1000 });
  return { ...t, domain: await makeDomain(t.workspace.id) };
}

describe("Idempotency-Key", () => {
  it("replays the first response byte for byte, and writes once", async () => {
    const { live, domain, workspace } = await setup();
    const init = json(live.key, body(domain.id), { "Idempotency-Key": "order-1" });
    const first = await call(path, init);
    const second = await call(path, init);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.headers.get("content-type")).toBe(first.headers.get("content-type"));
    const rows = await rowsOf(workspace.id);
    expect(rows.formResponses).toHaveLength(1);
    expect(rows.events).toHaveLength(3);
  });

  it("refuses the same key with a different body (422)", async () => {
    const { live, domain } = await setup();
    await call(path, json(live.key, body(domain.id), { "Idempotency-Key": "order-2" }));
    const res = await call(path, json(live.key, body(domain.id, "+14155550199"), { "Idempotency-Key": "order-2" }));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: "This Idempotency-Key was used with a different request" });
  });

  it("turns 50 parallel identical requests into one lead and one form response", async () => {
    const { live, domain, workspace } = await setup();
    const init = () => json(live.key, body(domain.id), { "Idempotency-Key": "burst" });
    const responses = await Promise.all(Array.from({ length: 50 }, () => call(path, init())));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(statuses).toContain(201);
    const created = new Set(await Promise.all(responses.filter((r) => r.status === 201).map((r) => r.text())));
    expect(created.size).toBe(1);
    const conflicts = responses.filter((r) => r.status === 409);
    for (const r of conflicts) expect(await r.json()).toEqual({ error: "A request with this Idempotency-Key is still being processed" });
    const rows = await rowsOf(workspace.id);
    expect(rows.leads).toHaveLength(1);
    expect(rows.formResponses).toHaveLength(1);
    expect(rows.callbacks).toHaveLength(1);
  });

  it("scopes keys to the workspace", async () => {
    const a = await setup();
    const b = await setup();
    const ra = await call(path, json(a.live.key, body(a.domain.id), { "Idempotency-Key": "shared" }));
    const rb = await call(path, json(b.live.key, body(b.domain.id), { "Idempotency-Key": "shared" }));
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(rb.headers.get("idempotent-replayed")).toBeNull();
    expect((await rowsOf(b.workspace.id)).formResponses).toHaveLength(1);
  });

  it("keeps a publishable key's keys apart: a page cannot claim a server's key first", async () => {
    const { live, domain, workspace } = await setup();
    const shop = "https://shop.example";
    const pk = await makeKey(workspace.id, { kind: "publishable", allowedOrigins: [shop] });
    const squatted = await call(path, json(pk.key, body(domain.id, "+14155550177"), { "Idempotency-Key": "signup-1", Origin: shop }));
    expect(squatted.status).toBe(201);
    const server = await call(path, json(live.key, body(domain.id), { "Idempotency-Key": "signup-1" }));
    expect(server.status).toBe(201);
    expect(server.headers.get("idempotent-replayed")).toBeNull();
    // Each side still replays its own.
    const again = await call(path, json(pk.key, body(domain.id, "+14155550177"), { "Idempotency-Key": "signup-1", Origin: shop }));
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([201, "true"]);
    expect((await rowsOf(workspace.id)).formResponses).toHaveLength(2);
  });

  it("remembers a refusal too, so a retry gets the same answer", async () => {
    const { live, workspace } = await setup();
    const init = json(live.key, body("dom_missing"), { "Idempotency-Key": "bad-domain" });
    const first = await call(path, init);
    const again = await call(path, init);
    expect([first.status, again.status]).toEqual([404, 404]);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("remembers a refusal given before the write, and refuses another request under its key", async () => {
    const { live, domain, workspace } = await setup();
    const broken = { form_response: { domain_id: domain.id, form_data: { name: "Ada" } } };
    const first = await call(path, json(live.key, broken, { "Idempotency-Key": "no-phone" }));
    const again = await call(path, json(live.key, broken, { "Idempotency-Key": "no-phone" }));
    expect([first.status, again.status, again.headers.get("idempotent-replayed")]).toEqual([422, 422, "true"]);
    expect(await again.text()).toBe(await first.text());
    const fixed = await call(path, json(live.key, body(domain.id), { "Idempotency-Key": "no-phone" }));
    expect(fixed.status).toBe(422);
    expect(await fixed.json()).toEqual({ error: "This Idempotency-Key was used with a different request" });
    expect(await countWritten(workspace.id)).toBe(0);
  });

  // Intake claims its key inside its write, after the checks that come before it: a replay goes
  // through them again, and must still get the first answer.
  it("replays the first answer where the request would now be refused before its write", async () => {
    const { live, domain } = await setup();
    const init = json(live.key, body(domain.id, "+14155550142"), { "Idempotency-Key": "before-consent" });
    const first = await call(path, init);
    expect(first.status).toBe(201);
    await db().update(domains).set({ requireConsent: true }).where(eq(domains.id, domain.id));
    const again = await call(path, init);
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([201, "true"]);
    expect(await again.text()).toBe(await first.text());
    const unkeyed = await call(path, json(live.key, body(domain.id, "+14155550142")));
    expect(unkeyed.status).toBe(422);
  });

  it("does not count a replay against the phone's callback limit", async () => {
    const { live, workspace } = await tenant("Replayed phone", { requestsPerHour: 1000, callbacksPerPhonePerHour: 2 });
    const at = new Date(Date.now() + 48 * 3_600_000).toISOString();
    const lead = (name: string) => ({ phone: "+14155550163", name, scheduled_at: at });
    const send = (name: string, key: string) => call("/v1/callbacks", json(live.key, lead(name), { "Idempotency-Key": key }));
    const counted = async (n: number) => expect(await phoneCount(workspace.id, "+14155550163", 2)).toBe(n);
    expect((await send("Ada", "phone-1")).status).toBe(201);
    await counted(1);
    for (let i = 0; i < 3; i++) {
      const replay = await send("Ada", "phone-1");
      expect([replay.status, replay.headers.get("idempotent-replayed")]).toEqual([201, "true"]);
    }
    // Three replays counted would have spent the limit of two.
    await counted(1);
    const second = await send("Bea", "phone-2");
    expect([second.status, second.headers.get("idempotent-replayed")]).toEqual([201, null]);
    await counted(2);
    expect((await send("Cy", "phone-3")).status).toBe(429);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(2);
    // A 429 is not remembered, and its key's in-flight marker is cleared for the retry at once.
    const marked = (key: string) => redisClient(testEnv()).exists(inFlightKey(testEnv(), { workspaceId: workspace.id, mode: "live", key }));
    expect([await marked("phone-2"), await marked("phone-3")]).toEqual([1, 0]);
  });

  it("answers a repeat as the first even when the first one's callback filled the phone's limit", async () => {
    const { live } = await tenant("Full phone", { requestsPerHour: 1000, callbacksPerPhonePerHour: 1 });
    const at = new Date(Date.now() + 48 * 3_600_000).toISOString();
    const init = () => json(live.key, { phone: "+14155550164", name: "Ada", scheduled_at: at }, { "Idempotency-Key": "full-1" });
    const first = await call("/v1/callbacks", init());
    const again = await call("/v1/callbacks", init());
    expect([first.status, again.status, again.headers.get("idempotent-replayed")]).toEqual([201, 201, "true"]);
    expect(await again.text()).toBe(await first.text());
  });

  it("lets one of two different requests sent at once under one key write, and refuses the other", async () => {
    const { live, domain, workspace } = await setup();
    const send = (phone: string) => call(path, json(live.key, body(domain.id, phone), { "Idempotency-Key": "race" }));
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => send(i % 2 ? "+14155550171" : "+14155550172")));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s !== 201 && s !== 409 && s !== 422)).toEqual([]);
    expect(new Set(await Promise.all(responses.filter((r) => r.status === 201).map((r) => r.text()))).size).toBe(1);
    expect(statuses).toContain(422);
    const rows = await rowsOf(workspace.id);
    expect([rows.leads.length, rows.formResponses.length, rows.callbacks.length]).toEqual([1, 1, 1]);
  });

  it("replays with the headers the middleware around the route sets, such as CORS", async () => {
    const { live } = await setup();
    const log = { from_phone: "9087270291", to_phone: "8006000009", handled_by: "Agent Smith", start_time: "2024-01-15 09:00:00", end_time: "2024-01-15 09:15:00", recording_url: "https://example.com/recordings/call123.wav" };
    const init = () => json(live.key, log, { "Idempotency-Key": "call-log-1", Origin: "https://crm.example" });
    const first = await call("/webhook.php", init());
    const again = await call("/webhook.php", init());
    expect([first.status, again.status, again.headers.get("idempotent-replayed")]).toEqual([201, 201, "true"]);
    expect(again.headers.get("access-control-allow-origin")).toBe(first.headers.get("access-control-allow-origin"));
    expect(again.headers.get("access-control-allow-origin")).not.toBeNull();
  });

  it.each([["a key that is too long", "k".repeat(256)], ["a key with a space", "two words"]])("refuses %s", async (_name, key) => {
    const { live, domain, workspace } = await setup();
    const res = await call(path, json(live.key, body(domain.id), { "Idempotency-Key": key }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Idempotency-Key must be 1 to 255 visible ASCII characters" });
    expect(await countWritten(workspace.id)).toBe(0);
  });

  // test/setup/faults.ts: storing the response to a fail-store- key fails as a lost connection.
  it("answers with the handler's response when storing it fails after the write, and logs no lead data", async () => {
    const { live, workspace } = await setup();
    const lead = { phone: "+14155550123", name: "Dana Lead", email: "dana.lead@example.com", agent_phone: "+14155550100", scheduled_at: new Date(Date.now() + 48 * 3_600_000).toISOString() };
    const init = () => json(live.key, lead, { "Idempotency-Key": "fail-store-callback" });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await call("/v1/callbacks", init());
      expect(res.status).toBe(201);
      const created = Callback.parse(await res.json());
      expect(created).toMatchObject({ phone: lead.phone, email: lead.email });
      expect((await rowsOf(workspace.id)).callbacks.map((row) => row.id)).toEqual([created.id]);

      // The failure is logged, naming the statement and its SQLSTATE, without its parameters.
      // The response is stored after it is sent (the claim was taken in the write), so the log
      // may come after the answer.
      const logged = () => errors.mock.calls.flat().map(String).join("\n");
      await vi.waitFor(() => expect(logged()).toMatch(/update "idempotency_keys"[\s\S]*SQLSTATE 08006/), { timeout: 10_000 });
      expect(logged()).not.toMatch(/dana\.lead@example\.com|Dana Lead|4155550123|params:/);
    } finally {
      errors.mockRestore();
    }
    // The claim was taken by the write itself: a retry waits for an answer (lib/idempotency.ts),
    // finds none, and is told to come back; the request is not carried out twice, then or a
    // minute later, when a claim taken before its write could be taken over. By then the answer
    // is known to be lost, and the retry is told so.
    const detail = async (res: Response) => ((await res.json()) as { detail: string }).detail;
    const again = await call("/v1/callbacks", init());
    expect([again.status, await detail(again)]).toEqual([409, "A request with this Idempotency-Key is still being processed"]);
    await db().update(idempotencyKeys).set({ createdAt: sql`now() - interval '2 minutes'` }).where(eq(idempotencyKeys.key, "fail-store-callback"));
    const later = await call("/v1/callbacks", init());
    const lost = "The request with this Idempotency-Key was carried out, and its response is not available; it will not be carried out again";
    expect([later.status, await detail(later)]).toEqual([409, lost]);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });

  it("replays an answer with the retry's own rate-limit headers, on a route that claims before it runs", async () => {
    const { live } = await setup();
    const init = () => json(live.key, { name: "Replayed agent", phone: "+14155550181" }, { "Idempotency-Key": "agent-1" });
    const first = await call("/v1/agents", init());
    const again = await call("/v1/agents", init());
    expect([first.status, again.status, again.headers.get("idempotent-replayed")]).toEqual([201, 201, "true"]);
    expect(await again.text()).toBe(await first.text());
    const remaining = (res: Response) => Number(res.headers.get("x-ratelimit-remaining"));
    expect(remaining(again)).toBe(remaining(first) - 1);
  });
});
