import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { asc, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { agents, callAttempts, callbacks, domains, leads } from "../../db/schema/index.ts";
import type { BusinessHours } from "../../db/schema/domains.ts";
import { dialCallback } from "../../functions/calls/dial.ts";
import { newId } from "../../schemas/ids.ts";
import { db, testEnv, zoneAtHour } from "./fixtures.ts";
import { wallTime, zonedInstant } from "../../functions/lib/zoned-time.ts";
import { rowsOf } from "./rows.ts";
import { callCentre, callbackRow, dial, newCallback } from "./dialler-helpers.ts";
import { dialedCallback, recordedCalls } from "./telephony-helpers.ts";

// Agents who are available: switched on, inside their weekly schedule in their own zone, and not
// already on a call. Round robin rings only those; with none, the callback is held
// (no_agent_available) until one may be, and spends no attempt. And a morning that does not
// stampede: callbacks held overnight leave in the order they came, spaced per available agent.

// callCentre's zone shows about noon now (zoneAtHour(12)), so hours from 14:00 on are still ahead
// there even if the clock passes the hour during a test. Today's h o'clock in a zone, read with
// zoned-time (not the windows code the dialler uses).
const localHour = (h: number, zone: string) => zonedInstant(wallTime(new Date(), zone), h * 60, zone);
const daily = (from: string, to: string): BusinessHours => Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [[from, to]]]));

async function setAgent(id: string, values: Partial<typeof agents.$inferInsert>) {
  await db().update(agents).set(values).where(eq(agents.id, id));
}

const legsOf = (callbackId: string) => db().select().from(callAttempts).where(eq(callAttempts.callbackId, callbackId)).orderBy(asc(callAttempts.leg));

describe("round robin rings only available agents", () => {
  it("skips an agent outside their schedule, and one switched off", async () => {
    const { test, domain, zone, agentIds } = await callCentre(3);
    await setAgent(agentIds[0]!, { schedule: daily("14:00", "15:00"), timezone: zone });
    await setAgent(agentIds[1]!, { available: false });
    const id = await newCallback(test.key, domain.id, "+18005550100");
    expect(await dial(id)).toBe("dialed");
    expect((await legsOf(id)).map((leg) => leg.agentId)).toEqual([agentIds[2]]);
  });

  it("reads a schedule in the agent's own zone, else the workspace's", async () => {
    const { test, domain, agentIds } = await callCentre(1);
    // 11:00 to 13:00 where the agent is: open now in a zone at noon, closed in UTC unless UTC is at noon.
    await setAgent(agentIds[0]!, { schedule: daily("11:00", "13:00"), timezone: "Etc/GMT-14" });
    const id = await newCallback(test.key, domain.id, "+18005550101");
    const open = () => {
      const { hour } = wallTime(new Date(), "Etc/GMT-14");
      return hour >= 11 && hour < 13;
    };
    const [before, outcome, after] = [open(), await dial(id), open()];
    // Unless the agent's hour turned while it was decided, the answer follows their clock.
    if (before === after) expect(outcome).toBe(before ? "dialed" : "held");
  });
});

describe("with no agent available, the callback is held until one is", () => {
  it("until the first schedule opens, spending no attempt, with the hold and the decision recorded", async () => {
    const { test, domain, zone, agentIds, workspace } = await callCentre(2);
    await setAgent(agentIds[0]!, { schedule: daily("16:00", "17:00"), timezone: zone });
    await setAgent(agentIds[1]!, { schedule: daily("15:00", "17:00"), timezone: zone });
    const id = await newCallback(test.key, domain.id, "+18005550102");
    expect(await dial(id)).toBe("held");
    const cb = await callbackRow(id);
    expect(cb).toMatchObject({ status: "scheduled", attemptCount: 0 });
    expect(cb.hold).toEqual({ until: localHour(15, zone).toISOString().replace(".000", ""), reason: "no_agent_available", rule: "agent_schedule", citation: null, zone, zone_source: "agent" });
    expect(cb.nextAttemptAt).toEqual(localHour(15, zone));
    expect(await legsOf(id)).toEqual([]);
    const { events } = await rowsOf(workspace.id);
    expect(events.map((e) => e.type)).toContain("callback.held");
  });

  it("looks again in 15 minutes when every agent is switched off", async () => {
    const { test, domain, agentIds } = await callCentre(2);
    for (const id of agentIds) await setAgent(id, { available: false });
    const id = await newCallback(test.key, domain.id, "+18005550103");
    const before = Date.now();
    expect(await dial(id)).toBe("held");
    const cb = await callbackRow(id);
    expect(cb.hold).toMatchObject({ reason: "no_agent_available", rule: "agents_off" });
    expect(cb.nextAttemptAt!.getTime() - before).toBeGreaterThanOrEqual(15 * 60_000 - 1000);
    expect(cb.nextAttemptAt!.getTime() - before).toBeLessThan(16 * 60_000);
  });

  it("ends the callback, blocked, when no agent has come back in a week", async () => {
    const { test, domain, agentIds, workspace } = await callCentre(1);
    await setAgent(agentIds[0]!, { available: false });
    const id = await newCallback(test.key, domain.id, "+18005550105");
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    await db().update(callbacks).set({ scheduledAt: weekAgo }).where(eq(callbacks.id, id));
    expect(await dial(id)).toBe("blocked");
    expect(await callbackRow(id)).toMatchObject({ status: "blocked", endedReason: "no_agent_available" });
    expect((await rowsOf(workspace.id)).events.map((e) => e.type)).toContain("callback.completed");
  });

  it("holds a callback for its own agent until they are back", async () => {
    const { test, domain, zone, agentIds } = await callCentre(2);
    await setAgent(agentIds[0]!, { schedule: daily("14:00", "15:00"), timezone: zone });
    const id = await newCallback(test.key, domain.id, "+18005550104", { agent_id: agentIds[0] });
    expect(await dial(id)).toBe("held");
    expect((await callbackRow(id)).nextAttemptAt).toEqual(localHour(14, zone));
  });

  it("never rings an agent already on a call: the next callback waits for them", async () => {
    // A live call through the fake Twilio stays queued until its statuses come: the agent is on it.
    const first = await dialedCallback();
    const owner = { workspaceId: first.workspace.id, mode: "live" as const };
    const leadId = newId("lead");
    await db().insert(leads).values({ id: leadId, ...owner, phone: "+18005550199", phoneRaw: "+18005550199", timezone: zoneAtHour(12) });
    const [row] = await db().select({ domainId: callbacks.domainId }).from(callbacks).where(eq(callbacks.id, first.callbackId));
    const second = newId("callback");
    await db()
      .insert(callbacks)
      .values({ id: second, ...owner, leadId, domainId: row!.domainId, agentId: first.agent.id, source: "api", scheduledAt: new Date(), nextAttemptAt: new Date(Date.now() - 1000), retryIntervalsSeconds: [120] });
    const ctx = createExecutionContext();
    expect(await dialCallback(testEnv(), ctx, second)).toBe("held");
    await waitOnExecutionContext(ctx);
    expect((await callbackRow(second)).hold).toMatchObject({ reason: "no_agent_available", rule: "agents_busy" });
    expect(await legsOf(second)).toEqual([]);
    expect(await recordedCalls(first.attemptId)).toHaveLength(1);
    // Looked at again a minute later, still busy: held again, without a second callback.held.
    await db().update(callbacks).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(eq(callbacks.id, second));
    const again = createExecutionContext();
    expect(await dialCallback(testEnv(), again, second)).toBe("held");
    await waitOnExecutionContext(again);
    const held = (await rowsOf(first.workspace.id)).events.filter((e) => e.type === "callback.held" && e.data.id === second);
    expect(held).toHaveLength(1);
  });
});

describe("a morning that does not stampede", () => {
  it("50 callbacks held overnight leave in the order they came, 60 s apart per agent, and are rung in turn", async () => {
    // The domain opens at 14:00 where it is noon now; 5 agents, one release every 60 / 5 = 12 s.
    const { test, domain, zone, agentIds } = await callCentre(5, { businessHours: daily("14:00", "18:00"), releaseSpacingSeconds: 60 });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await newCallback(test.key, domain.id, `+1800555${String(1000 + i)}`));
    const held = await db().select().from(callbacks).where(inArray(callbacks.id, ids));
    const at = new Map(held.map((cb) => [cb.id, cb.nextAttemptAt!.getTime()]));
    expect(ids.map((id) => at.get(id)! - localHour(14, zone).getTime())).toEqual(ids.map((_, k) => k * 12_000));
    expect(new Set(held.map((cb) => JSON.stringify(cb.hold)))).toEqual(new Set([JSON.stringify(held[0]!.hold)]));

    // The morning comes: the domain opens, and the dialler takes them as they fall due.
    await db().update(domains).set({ businessHours: daily("00:00", "24:00") }).where(eq(domains.id, domain.id));
    // Time moves on until the last is due; each keeps its place.
    const shift = localHour(14, zone).getTime() + 49 * 12_000 - Date.now() + 1000;
    for (const cb of held) await db().update(callbacks).set({ nextAttemptAt: new Date(cb.nextAttemptAt!.getTime() - shift) }).where(eq(callbacks.id, cb.id));
    const due = (await db().select().from(callbacks).where(inArray(callbacks.id, ids))).sort((a, b) => a.nextAttemptAt!.getTime() - b.nextAttemptAt!.getTime());
    expect(due.map((cb) => cb.id)).toEqual(ids);
    const rung: string[] = [];
    for (const cb of due) {
      expect(await dial(cb.id)).toBe("dialed");
      rung.push((await legsOf(cb.id))[0]!.agentId!);
    }
    // In turn: each run of five rings five different agents, and each agent gets ten.
    for (let i = 0; i < 50; i += 5) expect(new Set(rung.slice(i, i + 5)).size).toBe(5);
    expect(agentIds.map((id) => rung.filter((r) => r === id).length)).toEqual([10, 10, 10, 10, 10]);
  });

  it("releases all at once where the domain's spacing is 0", async () => {
    const { test, domain, zone } = await callCentre(2, { businessHours: daily("14:00", "18:00"), releaseSpacingSeconds: 0 });
    const ids = [await newCallback(test.key, domain.id, "+18005552001"), await newCallback(test.key, domain.id, "+18005552002")];
    const held = await db().select().from(callbacks).where(inArray(callbacks.id, ids));
    expect(held.map((cb) => cb.nextAttemptAt!.getTime())).toEqual([localHour(14, zone).getTime(), localHour(14, zone).getTime()]);
  });
});
