import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { agents, callbacks, dialDecisions, domains } from "../../db/schema/index.ts";
import { newId } from "../../schemas/ids.ts";
import { addDays, wallTime, zonedInstant } from "../../functions/lib/zoned-time.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { callbackRow, dial, makeDue } from "./dialler-helpers.ts";
import { bearer, call, db, json, makeDomain, tenant, zoneAtHour } from "./fixtures.ts";

// Lawful calling end to end: what the 201 says, what the callback says when read, and what the
// dialler then does, for leads placed by their numbers. The instants the issue names (18:00 in
// New York, 22:00 in Honolulu, 20:00 in Florida) are set on the Worker's clock; the sandbox
// countries run on the real clock.

afterEach(() => vi.useRealTimers());

const allWeek = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [["00:00", "24:00"]] as [string, string][]]));

/** A test-mode workspace with a domain open all week in `zone`, and one sandbox agent. */
async function shop(zone = "UTC") {
  const t = await tenant("Lawful shop", { requestsPerHour: 10_000, callbacksPerPhonePerHour: 1_000 });
  const domain = await makeDomain(t.workspace.id, "test", { timezone: zone, businessHours: allWeek });
  await db().insert(agents).values({ id: newId("agent"), workspaceId: t.workspace.id, mode: "test", name: "Agent", phone: "+14155550100" });
  return { ...t, domain };
}

/** The latest instant, not after now, at which the clock in `zone` shows `hour`:00. */
function lastClock(zone: string, hour: number): Date {
  const now = new Date();
  const today = zonedInstant(wallTime(now, zone), hour * 60, zone);
  return today.getTime() <= now.getTime() ? today : zonedInstant(addDays(wallTime(now, zone), -1), hour * 60, zone);
}

/** The Worker's clock (Date) reads `at`; the database keeps its own. */
function clockAt(at: Date) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
}

async function create(key: string, body: Record<string, unknown>) {
  const res = await call("/v1/callbacks", json(key, { name: "Lee", ...body }));
  expect(res.status, await res.clone().text()).toBe(201);
  return Callback.parse(await res.json());
}

async function read(key: string, id: string) {
  return Callback.parse(await (await call(`/v1/callbacks/${id}`, { headers: bearer(key) })).json());
}

const decisionsOf = (callbackId: string) => db().select().from(dialDecisions).where(eq(dialDecisions.callbackId, callbackId)).orderBy(dialDecisions.seq);

describe("the issue's leads", () => {
  it("a New York number sent in at 18:00 Eastern is dialled at once", async () => {
    const { test, domain } = await shop("America/New_York");
    clockAt(lastClock("America/New_York", 18));
    const created = await create(test.key, { phone: "+12125550123", domain_id: domain.id });
    expect(created.hold).toBeNull();
    expect(await dial(created.id)).toBe("dialed");
    const [decision] = await decisionsOf(created.id);
    expect(JSON.parse(decision!.record)).toMatchObject({
      decision: "dialled",
      zone: "America/New_York",
      zone_source: "number",
      regions: ["US", "US-NY"],
      lead_local_time: { "America/New_York": expect.stringMatching(/T18:00:00-0[45]:00$/) },
    });
  });

  it("a Honolulu number sent in at 22:00 Hawaii time is held until 08:00 Hawaii time, by the 201, the callback and the dialler", async () => {
    const { test, domain } = await shop();
    const ten = lastClock("Pacific/Honolulu", 22);
    clockAt(ten);
    const eight = new Date(ten.getTime() + 10 * 3600_000).toISOString().replace(".000Z", "Z"); // Hawaii keeps no DST
    const created = await create(test.key, { phone: "+18085550123", domain_id: domain.id });
    const hold = { until: eight, reason: "calling_hours", rule: "US 08:00-21:00", citation: "47 CFR 64.1200(c)(1)", zone: "Pacific/Honolulu", zone_source: "number" };
    expect(created).toMatchObject({ next_attempt_at: eight, hold });
    expect(await read(test.key, created.id)).toMatchObject({ next_attempt_at: eight, hold });

    await makeDue(created.id); // as if the cron had picked it up early
    expect(await dial(created.id)).toBe("held");
    expect(await read(test.key, created.id)).toMatchObject({ next_attempt_at: eight, hold, status: "scheduled", attempt_count: 0 });
    const [decision] = await decisionsOf(created.id);
    expect(JSON.parse(decision!.record)).toMatchObject({ decision: "held", reason: "calling_hours", until: eight, zone: "Pacific/Honolulu", lead_local_time: { "Pacific/Honolulu": expect.stringMatching(/T22:00:00-10:00$/) } });
  });

  it("a Florida number with no time zone is not dialled at 20:00 Eastern", async () => {
    const { test, domain } = await shop();
    clockAt(lastClock("America/New_York", 20));
    const created = await create(test.key, { phone: "+13055550123", domain_id: domain.id });
    expect(created.hold).toMatchObject({ reason: "calling_hours", rule: "US-FL 08:00-20:00", zone: "America/New_York", zone_source: "number" });
    await makeDue(created.id);
    expect(await dial(created.id)).toBe("held");
  });

  it("a callback PATCHed into another zone is decided again at once", async () => {
    const { test } = await shop();
    // A toll-free number places nobody, so the given zone is the lead's: one where it is 02:00.
    const night = zoneAtHour(2);
    const created = await create(test.key, { phone: "+18005550123", timezone: night });
    expect(created.hold).toMatchObject({ reason: "calling_hours", zone: night, zone_source: "explicit" });
    expect(Date.parse(created.next_attempt_at!)).toBeGreaterThan(Date.now() + 4 * 3600_000);
    const res = await call(`/v1/leads/${created.lead_id}`, { method: "PATCH", headers: { ...bearer(test.key), "Content-Type": "application/json" }, body: JSON.stringify({ timezone: zoneAtHour(12) }) });
    expect(res.status).toBe(200);
    expect((await callbackRow(created.id)).nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await dial(created.id)).toBe("dialed");
  });
});

describe("sandbox leads from several countries, with no time zone", () => {
  // Numbers whose own windows run from 08:00 (the US federal rule, or Ringback's default where a
  // country has no rule in the rulebook) to 21:00.
  const leads = [
    ["+12125550123", "America/New_York"],
    ["+18085550123", "Pacific/Honolulu"],
    ["+14155550123", "America/Los_Angeles"],
    ["+442079460018", "Europe/London"],
    ["+4930123456", "Europe/Berlin"],
    ["+81312345678", "Asia/Tokyo"],
    ["+6493001234", "Pacific/Auckland"],
    ["+6561234567", "Asia/Singapore"],
  ] as const;

  /** The first instant at or after `from` at which the clock in `zone` shows 08:00, read minute by minute. */
  function nextEight(from: number, zone: string): number {
    const format = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const start = Math.ceil(from / 60_000) * 60_000;
    for (let t = start; t < start + 2 * 86_400_000; t += 60_000) if (format.format(new Date(t)) === "08:00") return t;
    throw new Error(`no 08:00 in ${zone}`);
  }

  it.each(leads)("%s (%s) is dialled at once inside its window, else held until 08:00 its own time", async (phone, zone) => {
    const now = Date.now();
    const local = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(now));
    const minutes = Number(local.slice(0, 2)) * 60 + Number(local.slice(3));
    // A minute's margin each side of 08:00 and 21:00, so the test and the Worker read the same side.
    if (Math.abs(minutes - 480) <= 1 || Math.abs(minutes - 1260) <= 1) return;
    const open = minutes >= 480 && minutes < 1260;

    const { test, domain } = await shop();
    const created = await create(test.key, { phone, domain_id: domain.id });
    const readBack = await read(test.key, created.id);
    if (open) {
      expect(created.hold).toBeNull();
      expect(Math.abs(Date.parse(created.next_attempt_at!) - now)).toBeLessThan(60_000);
      expect(readBack).toMatchObject({ hold: null, next_attempt_at: created.next_attempt_at });
      expect(await dial(created.id)).toBe("dialed");
    } else {
      const eight = new Date(nextEight(now, zone)).toISOString().replace(".000Z", "Z");
      expect(created.hold).toMatchObject({ until: eight, reason: "calling_hours", zone, zone_source: "number" });
      expect(created.next_attempt_at).toBe(eight);
      expect(readBack).toMatchObject({ hold: created.hold, next_attempt_at: eight });
      await makeDue(created.id);
      expect(await dial(created.id)).toBe("held");
      expect((await callbackRow(created.id)).nextAttemptAt?.toISOString()).toBe(new Date(eight).toISOString());
    }
  });
});

describe("zones with no common open hour", () => {
  it("hold the callback as an empty window, look again daily, and end it, blocked, after a week", async () => {
    const { test, domain } = await shop();
    await db().update(domains).set({ callingHoursStart: "09:00", callingHoursEnd: "12:00" }).where(eq(domains.id, domain.id));
    // A New York number and a lead who says Tokyo: 09:00–12:00 in both never meet.
    const created = await create(test.key, { phone: "+12125550123", timezone: "Asia/Tokyo", domain_id: domain.id });
    expect(created.hold).toMatchObject({ reason: "empty_window", until: null, zone_source: "explicit+number" });
    const lookAgain = Date.parse(created.next_attempt_at!) - Date.now();
    expect(lookAgain).toBeGreaterThan(23 * 3600_000);
    expect(lookAgain).toBeLessThan(25 * 3600_000);

    await makeDue(created.id);
    expect(await dial(created.id)).toBe("held");
    await db().update(callbacks).set({ scheduledAt: sql`now() - interval '8 days'` }).where(eq(callbacks.id, created.id));
    await makeDue(created.id);
    expect(await dial(created.id)).toBe("blocked");
    expect(await callbackRow(created.id)).toMatchObject({ status: "blocked", endedReason: "empty_window", nextAttemptAt: null });
  });
});

describe("a domain or workspace can only narrow the law", () => {
  it("a domain open to 23:00 still holds a New York lead at 21:00 Eastern", async () => {
    const { test, domain } = await shop("America/New_York");
    await db().update(domains).set({ callingHoursStart: "06:00", callingHoursEnd: "23:00" }).where(eq(domains.id, domain.id));
    clockAt(lastClock("America/New_York", 21));
    const created = await create(test.key, { phone: "+12125550123", domain_id: domain.id });
    expect(created.hold).toMatchObject({ reason: "calling_hours", rule: "US 08:00-21:00" });
  });
});
