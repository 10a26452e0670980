import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callAttempts, dncNumbers, leads } from "../../db/schema/index.ts";
import { dialCallback } from "../../functions/calls/dial.ts";
import { sandboxTalkSeconds } from "../../functions/calls/sandbox.ts";
import { applyStatus } from "../../functions/calls/status.ts";
import { PostCallV1 } from "../../schemas/event-payloads.ts";
import { db, testEnv } from "./fixtures.ts";
import { rowsOf } from "./rows.ts";
import { callCentre, callbackRow, dial, makeDue, newCallback } from "./dialler-helpers.ts";
import { zoneAtHour } from "./fixtures.ts";
import { addDays, wallTime, zonedInstant } from "../../functions/lib/zoned-time.ts";

const attemptsOf = (callbackId: string) =>
  db().select().from(callAttempts).where(eq(callAttempts.callbackId, callbackId)).orderBy(asc(callAttempts.attemptNumber), asc(callAttempts.leg));

describe("the sandbox's magic numbers reach their documented end states", () => {
  it("+15005550001: answered and completed, with call log and post_call", async () => {
    const { test, domain, workspace, agentIds } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    expect(await dial(id)).toBe("dialed");
    const cb = await callbackRow(id);
    expect(cb).toMatchObject({ status: "completed", endedReason: "answered", attemptCount: 1 });
    const [attempt] = await attemptsOf(id);
    expect(attempt).toMatchObject({ provider: "sandbox", status: "completed", leadStatus: "completed", agentId: agentIds[0], durationSeconds: sandboxTalkSeconds });
    const rows = await rowsOf(workspace.id);
    expect(rows.events.map((e) => e.type)).toEqual([
      "lead.updated",
      "callback.scheduled",
      "call.initiated",
      "call.connected",
      "call.completed",
      "post_call",
      "callback.completed",
    ]);
    const postCall = PostCallV1.parse(rows.events.find((e) => e.type === "post_call")!.data);
    expect(postCall).toMatchObject({ call_id: attempt!.id, agent_id: agentIds[0], phone_number: "+15005550001", duration_seconds: sandboxTalkSeconds, call_successful: "success" });
    expect(rows.callLogs).toHaveLength(1);
    // The sandbox has no number of its own (never the deployment's Twilio one), and the workspace sets none.
    expect(rows.callLogs[0]?.fromPhone).toBe(attempt?.agentPhone);
    expect(rows.callLogs[0]!.title).toBe(`Call from ${rows.callLogs[0]!.fromPhone} to +15005550001 (handled by Agent 1)`);
  });

  it.each([
    ["+15005550002", "no-answer"],
    ["+15005550003", "busy"],
    ["+15005550004", "failed"],
  ])("%s: the lead's %s is a missed attempt, retried in 2 minutes", async (phone, reason) => {
    const { test, domain, workspace } = await callCentre();
    const id = await newCallback(test.key, domain.id, phone);
    const before = Date.now();
    await dial(id);
    const cb = await callbackRow(id);
    expect(cb).toMatchObject({ status: "retry_scheduled", attemptCount: 1 });
    const wait = cb.nextAttemptAt!.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(119_000);
    expect(wait).toBeLessThan(130_000);
    const missed = (await rowsOf(workspace.id)).events.filter((e) => e.type === "call.missed");
    expect(missed.map((e) => e.data.reason)).toEqual([reason]);
  });

  it("+15005550005: an agent who does not answer passes the call to the next, then the attempt is missed", async () => {
    const { test, domain, workspace, agentIds } = await callCentre(2);
    const id = await newCallback(test.key, domain.id, "+15005550005");
    await dial(id);
    const legs = await attemptsOf(id);
    expect(legs.map((l) => [l.attemptNumber, l.leg, l.status, l.leadStatus])).toEqual([
      [1, 0, "no-answer", null],
      [1, 1, "no-answer", null],
    ]);
    expect(new Set(legs.map((l) => l.agentId))).toEqual(new Set(agentIds));
    expect((await callbackRow(id)).status).toBe("retry_scheduled");
    const events = (await rowsOf(workspace.id)).events.map((e) => e.type);
    expect(events.filter((t) => t === "call.initiated")).toHaveLength(2);
    expect(events.filter((t) => t === "call.missed")).toHaveLength(1);
  });
});

describe("limits", () => {
  it("gives up after 5 attempts, with callback.completed saying why", async () => {
    const { test, domain, workspace } = await callCentre(1, { dailyAttemptCap: 10 });
    const id = await newCallback(test.key, domain.id, "+15005550002");
    for (let i = 0; i < 5; i++) {
      await makeDue(id);
      expect(await dial(id)).toBe("dialed");
    }
    await makeDue(id);
    expect(await dial(id)).toBe("not_due");
    const cb = await callbackRow(id);
    expect(cb).toMatchObject({ status: "exhausted", endedReason: "max_attempts", attemptCount: 5 });
    expect(await attemptsOf(id)).toHaveLength(5);
    const done = (await rowsOf(workspace.id)).events.filter((e) => e.type === "callback.completed");
    expect(done.map((e) => e.data.status)).toEqual(["exhausted"]);
  });

  it("never dials a number on the do-not-call list", async () => {
    const { test, domain, workspace } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    await db().insert(dncNumbers).values({ workspaceId: workspace.id, mode: "test", phone: "+15005550001", reason: "asked" });
    expect(await dial(id)).toBe("blocked");
    expect(await callbackRow(id)).toMatchObject({ status: "blocked", endedReason: "do_not_call" });
    expect(await attemptsOf(id)).toEqual([]);
  });

  it("is not stopped by the number on the other mode's list, or another workspace's", async () => {
    const { test, domain, workspace } = await callCentre();
    const other = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    await db().insert(dncNumbers).values([
      { workspaceId: workspace.id, mode: "live", phone: "+15005550001", reason: "live only" },
      { workspaceId: other.workspace.id, mode: "test", phone: "+15005550001", reason: "theirs" },
    ]);
    expect(await dial(id)).toBe("dialed");
    expect(await callbackRow(id)).toMatchObject({ status: "completed" });
  });

  it("never dials a lead who opted out", async () => {
    const { test, domain } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    const cb = await callbackRow(id);
    await db().update(leads).set({ optedOut: true }).where(eq(leads.id, cb.leadId));
    expect(await dial(id)).toBe("blocked");
    expect(await callbackRow(id)).toMatchObject({ status: "blocked", endedReason: "opted_out" });
    expect(await attemptsOf(id)).toEqual([]);
  });

  it("schedules a callback outside business hours for the next opening, and the dialler holds it there too", async () => {
    // The domain and the lead share a zone where it is midday now; the domain opens only
    // tomorrow, 10:00 to 11:00.
    const zone = zoneAtHour(12);
    const today = wallTime(new Date(), zone);
    const tomorrow = String((today.weekday % 7) + 1);
    const { test, domain, workspace } = await callCentre(1, { timezone: zone, businessHours: { [tomorrow]: [["10:00", "11:00"]] } });
    const id = await newCallback(test.key, domain.id, "+15005550001", { timezone: zone });
    const opening = zonedInstant(addDays(today, 1), 600, zone);
    // The 201 already says when: the dialler is not even asked before then.
    const scheduled = await callbackRow(id);
    expect(scheduled.nextAttemptAt!.toISOString()).toBe(opening.toISOString());
    expect(scheduled.hold).toMatchObject({ reason: "business_hours", rule: `business hours (${zone})`, zone_source: "explicit" });
    expect(await dial(id)).toBe("not_due");

    // Made due early (a clock jump, a hand edit), the dialler decides the same and says so.
    await makeDue(id);
    expect(await dial(id)).toBe("held");
    const cb = await callbackRow(id);
    expect(cb).toMatchObject({ status: "scheduled", attemptCount: 0, hold: { reason: "business_hours" } });
    expect(cb.nextAttemptAt!.toISOString()).toBe(opening.toISOString());
    expect(await attemptsOf(id)).toEqual([]);
    const events = (await rowsOf(workspace.id)).events.filter((e) => e.type === "callback.held");
    expect(events.map((e) => e.data.hold)).toEqual([cb.hold]);
  });

  it("holds a lead's next attempt when the daily cap is reached", async () => {
    const { test, domain } = await callCentre(1, { dailyAttemptCap: 1 });
    const id = await newCallback(test.key, domain.id, "+15005550002");
    await dial(id);
    await makeDue(id);
    expect(await dial(id)).toBe("held");
    const cb = await callbackRow(id);
    expect(cb.status).toBe("retry_scheduled");
    expect(cb.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
  });
});

describe("one call per callback", () => {
  it("100 concurrent triggers place exactly one call", async () => {
    const { test, domain } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    const ctx = createExecutionContext();
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => dialCallback(testEnv(), ctx, id)));
    await waitOnExecutionContext(ctx);
    expect(outcomes.filter((o) => o === "dialed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "not_due")).toHaveLength(99);
    expect(await attemptsOf(id)).toHaveLength(1);
  });

  it("a status that arrives late never moves a call backwards", async () => {
    const { test, domain } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    await dial(id);
    const [attempt] = await attemptsOf(id);
    const ctx = createExecutionContext();
    for (const status of ["ringing", "in-progress", "completed", "queued"] as const) {
      await applyStatus(testEnv(), ctx, { attemptId: attempt!.id, leg: "lead", callId: attempt!.leadCallId!, status, sequence: 1 });
    }
    await waitOnExecutionContext(ctx);
    const [after] = await attemptsOf(id);
    expect(after).toMatchObject({ status: "completed", leadStatus: "completed", leadSequenceNumber: attempt!.leadSequenceNumber });
    expect((await callbackRow(id)).status).toBe("completed");
  });
});

describe("only the callback's latest call decides", () => {
  it("a late failure from an earlier leg neither misses the attempt nor stops the live call", async () => {
    const { test, domain } = await callCentre(2);
    const id = await newCallback(test.key, domain.id, "+15005550005");
    await dial(id); // both agents fail to answer: two legs, then a missed attempt
    const legs = await attemptsOf(id);
    expect(legs).toHaveLength(2);
    const before = await callbackRow(id);
    // A lead-leg status for leg 0, long after leg 1 took over, changes nothing.
    const ctx = createExecutionContext();
    await applyStatus(testEnv(), ctx, { attemptId: legs[0]!.id, leg: "lead", callId: "SBlate", status: "canceled", sequence: 9 });
    await waitOnExecutionContext(ctx);
    const after = await callbackRow(id);
    expect(after.status).toBe(before.status);
    expect(after.nextAttemptAt).toEqual(before.nextAttemptAt);
  });
});
