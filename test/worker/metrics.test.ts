import { describe, expect, it } from "vitest";
import { callAttempts, callbacks, events, leads, webhookDeliveries } from "../../db/schema/index.ts";
import { newId } from "../../schemas/ids.ts";
import { Metrics } from "../../schemas/metrics.ts";
import type { Mode } from "../../schemas/scopes.ts";
import { db, makeDomain, makeKey, tenant } from "./fixtures.ts";
import { expectProblem, get, invalidQuery, problem } from "./native-helpers.ts";

// Rows with known timestamps, written straight to the database, and the figures worked out by
// hand from them. percentile_cont interpolates: over n sorted values, p is at index p * (n - 1).

const at = (iso: string, plusSeconds = 0) => new Date(Date.parse(iso) + plusSeconds * 1000);

type Attempt = { after: number; answeredAfter?: number; answeredBy?: string; outcome?: "machine" | "voicemail_left" | "not_accepted" };
type Made = { created: string; scheduled?: string; status: (typeof callbacks.$inferInsert)["status"]; attempts?: Attempt[]; domainId?: string; mode?: Mode };

let phones = 0;

/** A lead created with its callback, and the callback's attempts, each `after` seconds past the callback's intake. */
async function callbackWith(workspaceId: string, made: Made): Promise<string> {
  const mode = made.mode ?? "live";
  const created = at(made.created);
  const start = made.scheduled ? at(made.scheduled) : created;
  const leadId = newId("lead");
  const phone = `+1415555${String(2000 + phones++).padStart(4, "0")}`;
  await db().insert(leads).values({ id: leadId, workspaceId, mode, phone, phoneRaw: phone, domainId: made.domainId ?? null, createdAt: created });
  const id = newId("callback");
  await db()
    .insert(callbacks)
    .values({ id, workspaceId, mode, leadId, domainId: made.domainId ?? null, source: "api", status: made.status, scheduledAt: start, retryIntervalsSeconds: [120], createdAt: created });
  for (const [i, a] of (made.attempts ?? []).entries()) {
    await db()
      .insert(callAttempts)
      .values({
        id: newId("callAttempt"),
        workspaceId,
        mode,
        callbackId: id,
        attemptNumber: i + 1,
        agentPhone: "+14155550100",
        provider: "sandbox",
        status: "completed",
        createdAt: at(start.toISOString(), a.after),
        answeredAt: a.answeredAfter === undefined ? null : at(start.toISOString(), a.answeredAfter),
        answeredBy: a.answeredBy ?? null,
        outcome: a.outcome ?? null,
      });
  }
  return id;
}

async function deliveries(workspaceId: string, statuses: { status: "pending" | "succeeded" | "failed"; created: string }[], mode: Mode = "live") {
  const eventId = newId("event");
  await db().insert(events).values({ id: eventId, workspaceId, mode, type: "lead.updated", data: {}, createdAt: at("2025-03-01T00:00:00Z") });
  for (const { status, created } of statuses) {
    await db().insert(webhookDeliveries).values({ id: newId("webhookDelivery"), workspaceId, mode, eventId, status, createdAt: at(created) });
  }
}

const range = "from=2025-03-01T00:00:00Z&to=2025-03-08T00:00:00Z";
const metricsOf = async (key: string, query: string) => {
  const res = await get(`/v1/metrics?${query}`, key);
  expect(res.status, await res.clone().text()).toBe(200);
  return Metrics.parse(await res.json());
};

/** One workspace's week, as the figures below are worked out for. */
async function week() {
  const t = await tenant();
  const domain = await makeDomain(t.workspace.id);
  const w = t.workspace.id;
  const human = (after: number, answeredAfter: number): Attempt => ({ after, answeredAfter, answeredBy: "human" });
  // In range: five dialled (to first dial 100, 10, 30, 50, 20 s), two connected (40, 660 s).
  await callbackWith(w, { created: "2025-03-01T00:00:00Z", status: "dialing", attempts: [{ after: 100 }] }); // at `from`: in
  await callbackWith(w, { created: "2025-03-01T10:00:00Z", status: "completed", attempts: [human(10, 40)], domainId: domain.id });
  await callbackWith(w, { created: "2025-03-02T12:00:00Z", status: "completed", attempts: [{ after: 30 }, human(630, 660)], domainId: domain.id });
  // Answered by a machine, hung up on: dialled, never connected.
  await callbackWith(w, {
    created: "2025-03-02T13:00:00Z",
    status: "exhausted",
    attempts: [{ after: 50, answeredAfter: 60, answeredBy: "machine_start", outcome: "machine" }],
  });
  // Asked for a day later: measured from scheduled_at; its lead's call never answered.
  await callbackWith(w, { created: "2025-03-03T09:00:00Z", scheduled: "2025-03-04T09:00:00Z", status: "retry_scheduled", attempts: [{ after: 20 }] });
  await callbackWith(w, { created: "2025-03-05T08:00:00Z", status: "scheduled" });
  await callbackWith(w, { created: "2025-03-06T00:00:00Z", status: "canceled" });
  // Out of range (a second before `from`, and at `to`), the other mode, and another workspace.
  await callbackWith(w, { created: "2025-02-28T23:59:59Z", status: "completed", attempts: [human(1, 2)] });
  await callbackWith(w, { created: "2025-03-08T00:00:00Z", status: "completed", attempts: [human(1, 2)] });
  await callbackWith(w, { created: "2025-03-01T10:00:00Z", status: "completed", attempts: [human(5, 7)], mode: "test" });
  const other = await tenant();
  await callbackWith(other.workspace.id, { created: "2025-03-01T10:00:00Z", status: "completed", attempts: [human(1, 1)] });
  await deliveries(w, [
    { status: "succeeded", created: "2025-03-01T10:00:00Z" },
    { status: "succeeded", created: "2025-03-02T10:00:00Z" },
    { status: "succeeded", created: "2025-03-07T23:59:59Z" },
    { status: "failed", created: "2025-03-03T10:00:00Z" },
    { status: "pending", created: "2025-03-04T10:00:00Z" },
    { status: "failed", created: "2025-03-08T00:00:00Z" }, // at `to`: out
  ]);
  await deliveries(w, [{ status: "failed", created: "2025-03-02T10:00:00Z" }], "test");
  return { ...t, domain };
}

const none = { p50_seconds: null, p95_seconds: null, count: 0 };

describe("GET /v1/metrics", { timeout: 30_000 }, () => {
  it("computes every figure from the stored times, exactly", async () => {
    const { live } = await week();
    const m = await metricsOf(live.key, range);
    expect(m).toEqual({
      from: "2025-03-01T00:00:00Z",
      to: "2025-03-08T00:00:00Z",
      domain_id: null,
      speed_to_lead: {
        // [10, 20, 30, 50, 100]: the middle one; at 3.8, 50 + 0.8 × 50.
        first_dial: { p50_seconds: 30, p95_seconds: 90, count: 5 },
        // [40, 660]: 40 + 0.5 × 620, 40 + 0.95 × 620.
        lead_connected: { p50_seconds: 350, p95_seconds: 629, count: 2 },
      },
      connect_rate: { rate: 0.4, connected: 2, dialled: 5 },
      callbacks: {
        total: 7,
        by_status: { scheduled: 1, dialing: 1, connected: 0, completed: 2, retry_scheduled: 1, exhausted: 1, canceled: 1, blocked: 0 },
      },
      webhooks: { success_rate: 0.75, succeeded: 3, failed: 1, pending: 1 },
      series: {
        bucket: "day",
        points: [
          // [100, 10]: 10 + 0.5 × 90, 10 + 0.95 × 90.
          { start: "2025-03-01T00:00:00Z", leads: 2, callbacks: 2, first_dial: { p50_seconds: 55, p95_seconds: 95.5, count: 2 } },
          { start: "2025-03-02T00:00:00Z", leads: 2, callbacks: 2, first_dial: { p50_seconds: 40, p95_seconds: 49, count: 2 } },
          { start: "2025-03-03T00:00:00Z", leads: 1, callbacks: 1, first_dial: { p50_seconds: 20, p95_seconds: 20, count: 1 } },
          { start: "2025-03-04T00:00:00Z", leads: 0, callbacks: 0, first_dial: none },
          { start: "2025-03-05T00:00:00Z", leads: 1, callbacks: 1, first_dial: none },
          { start: "2025-03-06T00:00:00Z", leads: 1, callbacks: 1, first_dial: none },
          { start: "2025-03-07T00:00:00Z", leads: 0, callbacks: 0, first_dial: none },
        ],
      },
    });
  });

  it("keeps modes, workspaces and domains apart", async () => {
    const { workspace, test, domain } = await week();
    const inTest = await metricsOf(test.key, range);
    expect(inTest.speed_to_lead.first_dial).toEqual({ p50_seconds: 5, p95_seconds: 5, count: 1 });
    expect(inTest.speed_to_lead.lead_connected).toEqual({ p50_seconds: 7, p95_seconds: 7, count: 1 });
    expect(inTest.webhooks).toEqual({ success_rate: 0, succeeded: 0, failed: 1, pending: 0 });
    expect(inTest.callbacks.total).toBe(1);

    const other = await tenant();
    const empty = await metricsOf(other.live.key, range);
    expect(empty.callbacks.total).toBe(0);
    expect(empty.speed_to_lead).toEqual({ first_dial: none, lead_connected: none });
    expect(empty.connect_rate).toEqual({ rate: null, connected: 0, dialled: 0 });
    expect(empty.webhooks).toEqual({ success_rate: null, succeeded: 0, failed: 0, pending: 0 });
    expect(empty.series.points.map((p) => p.leads)).toEqual([0, 0, 0, 0, 0, 0, 0]);

    const key = await makeKey(workspace.id, { scopes: ["metrics:read"] });
    const ofDomain = await metricsOf(key.key, `${range}&domain_id=${domain.id}`);
    expect(ofDomain.domain_id).toBe(domain.id);
    // [10, 30]: 10 + 0.5 × 20, 10 + 0.95 × 20.
    expect(ofDomain.speed_to_lead.first_dial).toEqual({ p50_seconds: 20, p95_seconds: 29, count: 2 });
    expect(ofDomain.connect_rate).toEqual({ rate: 1, connected: 2, dialled: 2 });
    expect(ofDomain.callbacks.total).toBe(2);
    expect(ofDomain.series.points.map((p) => p.leads)).toEqual([1, 1, 0, 0, 0, 0, 0]);
  });

  it("buckets by the hour for a range of up to two days", async () => {
    const { live } = await week();
    const m = await metricsOf(live.key, "from=2025-03-02T00:00:00Z&to=2025-03-03T00:00:00Z");
    expect(m.series.bucket).toBe("hour");
    expect(m.series.points).toHaveLength(24);
    expect(m.series.points.filter((p) => p.callbacks > 0)).toEqual([
      { start: "2025-03-02T12:00:00Z", leads: 1, callbacks: 1, first_dial: { p50_seconds: 30, p95_seconds: 30, count: 1 } },
      { start: "2025-03-02T13:00:00Z", leads: 1, callbacks: 1, first_dial: { p50_seconds: 50, p95_seconds: 50, count: 1 } },
    ]);
    // An offset is honoured: 12:00 UTC is 13:00 at +01:00.
    const shifted = await metricsOf(live.key, `from=${encodeURIComponent("2025-03-02T13:00:00+01:00")}&to=${encodeURIComponent("2025-03-02T14:00:00+01:00")}`);
    expect([shifted.from, shifted.to, shifted.callbacks.total]).toEqual(["2025-03-02T12:00:00Z", "2025-03-02T13:00:00Z", 1]);
  });

  it("defaults to the last seven days", async () => {
    const { live } = await tenant();
    const before = Date.now();
    const m = await metricsOf(live.key, "");
    expect(Date.parse(m.to)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(Date.parse(m.to)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(m.to) - Date.parse(m.from)).toBe(7 * 86_400_000);
    expect(m.series.bucket).toBe("day");
    expect(m.series.points.length).toBeGreaterThanOrEqual(7);
  });

  it("needs metrics:read (403)", async () => {
    const { workspace } = await tenant();
    const key = await makeKey(workspace.id, { scopes: ["callbacks:read", "leads:read"] });
    await expectProblem(await get("/v1/metrics", key.key), problem("forbidden", "This key lacks the metrics:read scope"));
  });

  const ninetyThreeDaysAgo = new Date(Date.now() - 93 * 86_400_000).toISOString();
  const iso = "must be ISO 8601 with seconds and an offset or Z: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS±HH:MM";
  it.each([
    ["to before from", "from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", [["to", "must be after from"]]],
    ["an empty range", "from=2025-03-01T00:00:00Z&to=2025-03-01T00:00:00Z", [["to", "must be after from"]]],
    ["93 days", "from=2025-01-01T00:00:00Z&to=2025-04-04T00:00:01Z", [["to", "must be at most 92 days from from"]]],
    ["from over 92 days ago, to now", `from=${ninetyThreeDaysAgo}`, [["from", "must be at most 92 days from to (now)"]]],
    ["from in the future, to now", "from=2999-01-01T00:00:00Z", [["from", "must be before to (now)"]]],
    ["a date without an offset", "from=2025-03-01T00:00:00", [["from", iso]]],
    ["a date that is not one", "to=yesterday", [["to", iso]]],
    ["an unknown parameter", "since=2025-03-01T00:00:00Z", [["since", "is not a known field"]]],
    ["a to in year 10000 once its offset is applied", "to=9999-12-31T23:59:59-15:59", [["to", "is out of range: UTC years 0001 to 9999"]]],
    ["a from in year 0000 once its offset is applied", "from=0001-01-01T00:00:00%2B01:00&to=0001-01-05T00:00:00Z", [["from", "is out of range: UTC years 0001 to 9999"]]],
    ["a to whose default from is before year 0001", "to=0001-01-03T00:00:00Z", [["to", "is out of range: its default from, 7 days before, is before year 0001"]]],
  ] as [string, string, [string, string][]][])("422 for %s", async (_name, query, errors) => {
    const { live } = await tenant();
    await expectProblem(await get(`/v1/metrics?${query}`, live.key), invalidQuery(...errors));
  });

  it("takes a range of exactly 92 days", async () => {
    const { live } = await tenant();
    const m = await metricsOf(live.key, "from=2025-01-01T00:00:00Z&to=2025-04-03T00:00:00Z");
    expect(m.series.points).toHaveLength(92);
  });

  it("takes a range at either end of the years it can echo", async () => {
    const { live } = await tenant();
    const last = await metricsOf(live.key, "from=9999-12-30T00:00:00Z&to=9999-12-31T23:59:59%2B00:00");
    expect([last.from, last.to, last.series.bucket, last.series.points.length]).toEqual(["9999-12-30T00:00:00Z", "9999-12-31T23:59:59Z", "hour", 48]);
    const first = await metricsOf(live.key, "from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z");
    expect([first.from, first.to, first.series.bucket, first.series.points.length]).toEqual(["0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", "hour", 24]);
  });

  it("refuses a NUL in a parameter: 400", async () => {
    const { live } = await tenant();
    const res = await get("/v1/metrics?domain_id=%00", live.key);
    expect(res.status).toBe(400);
  });
});
