import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { silentCallbacks } from "../../db/queries/call-attempts.ts";
import { advanceLeg } from "../../db/queries/call-status.ts";
import { callAttempts, callbacks, domains, leads } from "../../db/schema/index.ts";
import { dialCallback } from "../../functions/calls/dial.ts";
import { recoverSilentCallback } from "../../functions/calls/recover.ts";
import type { Env } from "../../functions/env.ts";
import type { CallStateRequest, ReadyRequest } from "../setup/fake-twilio-types.ts";
import { db, makeAgent, testEnv, zoneAtHour } from "./fixtures.ts";
import { rowsOf } from "./rows.ts";
import { callbackRow } from "./dialler-helpers.ts";
import { agentPresses, attemptsOf, deliver, dialedCallback, dueCallback, fakeTwilio, leadAnswers, leadStatusCallback, recordedCalls, statusCallbacks, written } from "./telephony-helpers.ts";

// Calls that always finish: a process that dies between a call's status and the callback's
// completion, a status callback that never comes, Twilio down when the call is placed. Whatever
// happened, the callback ends from how its call really went, and a lead who talked is never
// dialled again.

type Dialed = Awaited<ReturnType<typeof dialedCallback>>;

async function deliverAll(requests: ReadyRequest[]) {
  for (const request of requests) expect((await deliver(request)).status, `${request.status} #${request.sequence}`).toBe(204);
}

/** The agent answers and the lead's call is placed; the lead's status callbacks, ready to send. */
async function agentAnswered(dialed: Dialed) {
  const agent = (await statusCallbacks({ attempt: dialed.attemptId, leg: "agent", statuses: ["initiated", "ringing", "in-progress"] })).requests;
  await deliverAll(agent);
  const twiml = await agentPresses(dialed.attemptId, "1");
  const lead = await statusCallbacks({ attempt: dialed.attemptId, leg: "lead", url: leadStatusCallback(twiml), to: dialed.leadPhone, durationSeconds: 42 });
  // A person answers: the detection's verdict may come before the lead's statuses.
  await leadAnswers(dialed.attemptId, twiml, "human", dialed.leadPhone);
  return { leadCallSid: lead.callSid, lead: lead.requests };
}

/** No word of the callback's call for `minutes`, as if that long had passed. */
async function silentFor(callbackId: string, minutes: number) {
  const ago = sql`now() - make_interval(mins => ${minutes})`;
  await db().update(callbacks).set({ updatedAt: ago }).where(eq(callbacks.id, callbackId));
  await db().update(callAttempts).set({ updatedAt: ago }).where(eq(callAttempts.callbackId, callbackId));
}

/** The cron's recovery of one callback, and everything it set off. */
async function recover(callbackId: string, env: Env = testEnv()) {
  const ctx = createExecutionContext();
  await recoverSilentCallback(env, ctx, callbackId);
  await waitOnExecutionContext(ctx);
}

const setCallState = async (state: CallStateRequest) => {
  const res = await fetch(`${fakeTwilio().url}/__call-state`, { method: "POST", body: JSON.stringify(state) });
  expect(res.status).toBe(200);
};

// A port nothing listens on: Twilio unreachable.
const twilioDown = (): Env => ({ ...testEnv(), TWILIO_API_BASE: "http://127.0.0.1:9" });

describe("a crash between a call's status and its completion", () => {
  /** The lead talked and hung up, and the process died after storing the status, before the rest. */
  async function crashedAfterTheTalk() {
    const dialed = await dialedCallback();
    const { lead, leadCallSid } = await agentAnswered(dialed);
    const completed = lead.find((r) => r.status === "completed")!;
    await deliverAll(lead.filter((r) => r !== completed));
    const fields = new URLSearchParams(completed.body);
    const stored = await advanceLeg(db(), {
      attemptId: dialed.attemptId,
      leg: "lead",
      callId: leadCallSid,
      status: "completed",
      sequence: Number(fields.get("SequenceNumber")),
      durationSeconds: 42,
    });
    expect(stored).not.toBeNull();
    const before = await written(dialed.workspace.id, dialed.attemptId);
    expect(before.callbacks[0]!.status).toBe("connected");
    expect(before.callLogs).toEqual([]);
    return { dialed, completed };
  }

  function expectCompletedOnce(after: Awaited<ReturnType<typeof written>>) {
    expect(after.callbacks[0]).toMatchObject({ status: "completed", endedReason: "answered", attemptCount: 1 });
    expect(after.events.filter((e) => e === "callback.completed")).toHaveLength(1);
    expect(after.events.filter((e) => e === "call.completed")).toHaveLength(1);
    expect(after.events.filter((e) => e === "post_call")).toHaveLength(1);
    expect(after.events).not.toContain("call.missed");
    expect(after.callLogs).toHaveLength(1);
  }

  it("Twilio repeating the status completes the callback, once", async () => {
    const { dialed, completed } = await crashedAfterTheTalk();
    await deliverAll([completed, completed]);
    expectCompletedOnce(await written(dialed.workspace.id, dialed.attemptId));
    expect(await attemptsOf(dialed.callbackId)).toHaveLength(1);
  });

  it("with no repeat, the cron completes it from the stored call, without asking Twilio or dialling again", async () => {
    const { dialed } = await crashedAfterTheTalk();
    await silentFor(dialed.callbackId, 16);
    // Twilio is unreachable: what is stored is enough.
    await recover(dialed.callbackId, twilioDown());
    expectCompletedOnce(await written(dialed.workspace.id, dialed.attemptId));
    await recover(dialed.callbackId);
    expectCompletedOnce(await written(dialed.workspace.id, dialed.attemptId));
    expect(await attemptsOf(dialed.callbackId)).toHaveLength(1);
    expect(await recordedCalls(dialed.attemptId)).toHaveLength(1);
  });
});

describe("a call whose status callbacks never came", () => {
  it("is picked up after 15 minutes without word, not before", async () => {
    const quiet = await dialedCallback();
    const recent = await dialedCallback();
    await silentFor(quiet.callbackId, 16);
    await silentFor(recent.callbackId, 14);
    const silent = await silentCallbacks(db(), 10_000);
    expect(silent).toContain(quiet.callbackId);
    expect(silent).not.toContain(recent.callbackId);
  });

  it("ends completed when Twilio says the lead talked", async () => {
    const dialed = await dialedCallback();
    const leadSid = `CA${"1".repeat(32)}`;
    await setCallState({ callSid: dialed.callSid, status: "completed", duration: 60, child: { callSid: leadSid, status: "completed", duration: 42, answeredBy: "human" } });
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt).toMatchObject({ status: "completed", leadStatus: "completed", leadCallId: leadSid, durationSeconds: 42 });
    expect(after.callbacks[0]).toMatchObject({ status: "completed", endedReason: "answered" });
    expect(after.events.filter((e) => e === "callback.completed")).toHaveLength(1);
    expect(after.callLogs).toHaveLength(1);
    expect(await attemptsOf(dialed.callbackId)).toHaveLength(1);
  });

  it.each([
    ["a machine answered it", "machine_end_beep", "lead-machine"],
    ["no verdict was ever given (the lead was never bridged)", undefined, "lead-not-bridged"],
  ])("is a missed attempt when Twilio says the lead's call completed but %s", async (_, answeredBy, reason) => {
    const dialed = await dialedCallback();
    await setCallState({ callSid: dialed.callSid, status: "completed", duration: 60, child: { callSid: `CA${"4".repeat(32)}`, status: "completed", duration: 20, answeredBy } });
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt).toMatchObject({ leadStatus: "completed", answeredBy: answeredBy ?? null });
    expect(after.callbacks[0]!.status).toBe("retry_scheduled");
    expect(after.events).not.toContain("post_call");
    const { events } = await rowsOf(dialed.workspace.id);
    expect(events.find((e) => e.type === "call.missed")!.data).toMatchObject({ reason });
  });

  it("brings every agent rung at once back in line, and misses the attempt once", async () => {
    const dialed = await dialedCallback({ roundRobin: true, domain: { simultaneousRing: 2 } });
    // Neither call ever said anything, and Twilio has no record of either.
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId);
    const legs = await attemptsOf(dialed.callbackId);
    expect(legs.map((leg) => leg.status)).toEqual(["failed", "failed"]);
    expect((await callbackRow(dialed.callbackId)).status).toBe("retry_scheduled");
    const { events } = await rowsOf(dialed.workspace.id);
    expect(events.filter((e) => e.type === "call.missed")).toHaveLength(1);
  });

  it("is a missed attempt, retried, when Twilio says nobody answered", async () => {
    const dialed = await dialedCallback();
    await setCallState({ callSid: dialed.callSid, status: "no-answer" });
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt.status).toBe("no-answer");
    expect(after.callbacks[0]).toMatchObject({ status: "retry_scheduled", attemptCount: 1 });
    expect(after.events.filter((e) => e === "call.missed")).toHaveLength(1);
  });

  it("is left alone, and looked at again in 15 minutes, while Twilio says the call is still on", async () => {
    const dialed = await dialedCallback();
    await agentAnswered(dialed);
    await setCallState({ callSid: dialed.callSid, status: "in-progress", child: { callSid: `CA${"2".repeat(32)}`, status: "in-progress" } });
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.callbacks[0]!.status).toBe("connected");
    expect(after.events).not.toContain("callback.completed");
    expect(await silentCallbacks(db(), 10_000)).not.toContain(dialed.callbackId);
  });

  it("is left as it is while Twilio cannot be reached, looked at again in 15 minutes, and settled once it can", async () => {
    const dialed = await dialedCallback();
    await silentFor(dialed.callbackId, 16);
    const before = await written(dialed.workspace.id, dialed.attemptId);
    await recover(dialed.callbackId, twilioDown());
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect({ ...after, attempt: { ...after.attempt, updatedAt: null } }).toEqual({ ...before, attempt: { ...before.attempt, updatedAt: null } });
    expect(await silentCallbacks(db(), 10_000)).not.toContain(dialed.callbackId); // not asked again every minute
    await silentFor(dialed.callbackId, 16);
    await setCallState({ callSid: dialed.callSid, status: "busy" });
    await recover(dialed.callbackId);
    expect((await written(dialed.workspace.id, dialed.attemptId)).callbacks[0]!.status).toBe("retry_scheduled");
  });

  it("is a failed call when Twilio has no record of it", async () => {
    const dialed = await dialedCallback();
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt.status).toBe("failed");
    expect(after.callbacks[0]!.status).toBe("retry_scheduled");
  });

  it("is a failed call when the create-call never came back with an id", async () => {
    const dialed = await dialedCallback();
    await db().update(callAttempts).set({ providerCallId: null }).where(eq(callAttempts.id, dialed.attemptId));
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt.status).toBe("failed");
    expect(after.callbacks[0]!.status).toBe("retry_scheduled");
    expect(after.events.filter((e) => e === "call.missed")).toHaveLength(1);
  });

  it("is retried when the dialler died between its claim and the call", async () => {
    const due = await dueCallback();
    await db()
      .update(callbacks)
      .set({ status: "dialing", attemptCount: 1, claimedAt: sql`now()`, nextAttemptAt: null })
      .where(eq(callbacks.id, due.callbackId));
    await silentFor(due.callbackId, 16);
    expect(await silentCallbacks(db(), 10_000)).toContain(due.callbackId);
    await recover(due.callbackId);
    const [cb] = await db().select().from(callbacks).where(eq(callbacks.id, due.callbackId));
    expect(cb).toMatchObject({ status: "retry_scheduled", attemptCount: 1 });
    expect(cb!.nextAttemptAt).not.toBeNull();
  });
});

describe("a silent call whose provider has no final word", () => {
  /** The lead's leg got as far as `statuses`, then nothing more came. */
  async function leadGotAsFar(statuses: string[]) {
    const dialed = await dialedCallback();
    const { lead, leadCallSid } = await agentAnswered(dialed);
    await deliverAll(lead.filter((r) => statuses.includes(r.status!)));
    await silentFor(dialed.callbackId, 16);
    return { dialed, leadCallSid };
  }

  it("completes the callback when the lead had answered and Twilio no longer knows the call", async () => {
    const { dialed } = await leadGotAsFar(["initiated", "ringing", "in-progress"]);
    await recover(dialed.callbackId); // the fake Twilio answers 404: no record of the call
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt).toMatchObject({ status: "failed", leadStatus: "completed" });
    expect(after.callbacks[0]).toMatchObject({ status: "completed", endedReason: "answered" });
    expect(after.callLogs).toHaveLength(1);
    expect(await attemptsOf(dialed.callbackId)).toHaveLength(1);
  });

  it("counts a miss when the lead's call was still ringing", async () => {
    const { dialed } = await leadGotAsFar(["initiated", "ringing"]);
    await recover(dialed.callbackId);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt).toMatchObject({ leadStatus: "failed" });
    expect(after.callbacks[0]).toMatchObject({ status: "retry_scheduled" });
    expect(after.events.filter((e) => e === "call.missed")).toHaveLength(1);
  });

  it("settles a sandbox call, which keeps nothing to ask, from what is stored", async () => {
    const { dialed } = await leadGotAsFar(["initiated", "ringing", "in-progress"]);
    await db().update(callAttempts).set({ provider: "sandbox" }).where(eq(callAttempts.id, dialed.attemptId));
    await recover(dialed.callbackId);
    expect((await written(dialed.workspace.id, dialed.attemptId)).callbacks[0]).toMatchObject({ status: "completed" });
  });
});

describe("an agent who answered, and no word of the lead's call at all", () => {
  it("ends the attempt as a miss, retried by the dialler, rather than ringing another agent now", async () => {
    const dialed = await dialedCallback();
    await agentAnswered(dialed); // the lead's statuses never come
    await silentFor(dialed.callbackId, 16);
    await recover(dialed.callbackId); // Twilio has no record of the call
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.callbacks[0]).toMatchObject({ status: "retry_scheduled" });
    expect(await attemptsOf(dialed.callbackId)).toHaveLength(1);
    const missed = (await db().execute(sql`SELECT data->>'reason' AS reason FROM events WHERE workspace_id = ${dialed.workspace.id} AND type = 'call.missed'`)).rows;
    expect(missed).toEqual([{ reason: "call-lost" }]);
  });
});

describe("a call Twilio cannot say anything of for a day", () => {
  it("is settled from what is stored", async () => {
    const dialed = await dialedCallback();
    const { lead } = await agentAnswered(dialed);
    await deliverAll(lead.filter((r) => r.status !== "completed")); // the lead talked; its end never came
    await silentFor(dialed.callbackId, 25 * 60);
    await recover(dialed.callbackId, twilioDown());
    expect((await written(dialed.workspace.id, dialed.attemptId)).callbacks[0]).toMatchObject({ status: "completed" });
  });
});

describe("an agent's call that ended with no word of the lead's", () => {
  it("asks Twilio before counting the lead as not reached, and completes the callback if they talked", async () => {
    const dialed = await dialedCallback();
    const agent = (await statusCallbacks({ attempt: dialed.attemptId, leg: "agent", order: "in-order" })).requests;
    // The lead's status callbacks were lost; Twilio's record says the lead talked.
    await setCallState({ callSid: dialed.callSid, status: "completed", duration: 90, child: { callSid: `CA${"3".repeat(32)}`, status: "completed", duration: 75, answeredBy: "human" } });
    await deliverAll(agent);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt).toMatchObject({ leadStatus: "completed", durationSeconds: 75 });
    expect(after.callbacks[0]).toMatchObject({ status: "completed" });
    expect(after.events).not.toContain("call.missed");
    expect(await attemptsOf(dialed.callbackId)).toHaveLength(1);
  });
});

describe("the next agent in round robin", () => {
  it("is not rung when the lead may no longer be called: the attempt is a miss, retried at the next lawful moment", async () => {
    const due = await dueCallback();
    await makeAgent(due.workspace.id);
    await db().update(callbacks).set({ agentId: null }).where(eq(callbacks.id, due.callbackId));
    const ctx = createExecutionContext();
    expect(await dialCallback(testEnv(), ctx, due.callbackId)).toBe("dialed");
    await waitOnExecutionContext(ctx);
    const [first] = await attemptsOf(due.callbackId);
    // The first agent does not answer, at an hour the lead may no longer be called.
    await db().update(leads).set({ timezone: zoneAtHour(23) }).where(eq(leads.id, due.leadId));
    await deliverAll((await statusCallbacks({ attempt: first!.id, leg: "agent", statuses: ["initiated", "ringing", "no-answer"] })).requests);
    expect(await attemptsOf(due.callbackId)).toHaveLength(1);
    const after = await written(due.workspace.id, first!.id);
    expect(after.callbacks[0]).toMatchObject({ status: "retry_scheduled", hold: { reason: "calling_hours" } });
    const missed = (await db().execute(sql`SELECT data->>'reason' AS reason FROM events WHERE workspace_id = ${due.workspace.id} AND type = 'call.missed'`)).rows;
    expect(missed).toEqual([{ reason: "next-agent-not-lawful-now" }]);
  });
});

describe("the next agent in round robin, on the lead's last call the caps allow today", () => {
  it("is still rung: the attempt under way is one call, not two", async () => {
    const due = await dueCallback();
    await makeAgent(due.workspace.id);
    await db().update(callbacks).set({ agentId: null }).where(eq(callbacks.id, due.callbackId));
    const [cb] = await db().select().from(callbacks).where(eq(callbacks.id, due.callbackId));
    await db().update(domains).set({ dailyAttemptCap: 1 }).where(eq(domains.id, cb!.domainId!));
    const ctx = createExecutionContext();
    expect(await dialCallback(testEnv(), ctx, due.callbackId)).toBe("dialed");
    await waitOnExecutionContext(ctx);
    const [first] = await attemptsOf(due.callbackId);
    await deliverAll((await statusCallbacks({ attempt: first!.id, leg: "agent", statuses: ["initiated", "ringing", "no-answer"] })).requests);
    const legs = await attemptsOf(due.callbackId);
    expect(legs).toHaveLength(2);
    expect(legs[1]).toMatchObject({ attemptNumber: 1, leg: 1 });
  });
});

describe("Twilio down when a call is placed", () => {
  it("fails the leg, keeps Twilio's error, and schedules the retry", async () => {
    const due = await dueCallback();
    const ctx = createExecutionContext();
    expect(await dialCallback(twilioDown(), ctx, due.callbackId)).toBe("dialed");
    await waitOnExecutionContext(ctx);
    const [attempt, ...more] = await attemptsOf(due.callbackId);
    expect(more).toEqual([]);
    expect(attempt).toMatchObject({ status: "failed", error: "Twilio could not be reached" });
    const after = await written(due.workspace.id, attempt!.id);
    expect(after.callbacks[0]).toMatchObject({ status: "retry_scheduled", attemptCount: 1 });
    expect(after.events.filter((e) => e === "call.missed")).toHaveLength(1);
  });
});
