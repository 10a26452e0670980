import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callAttempts } from "../../db/schema/index.ts";
import { sandboxTalkSeconds } from "../../functions/calls/sandbox.ts";
import { PostCallV1 } from "../../schemas/event-payloads.ts";
import type { ReadyRequest } from "../setup/fake-twilio-types.ts";
import { db } from "./fixtures.ts";
import { rowsOf } from "./rows.ts";
import { callCentre, callbackRow, dial, newCallback } from "./dialler-helpers.ts";
import {
  agentPresses,
  attemptRow,
  deliver,
  dialedCallback,
  gatherRequest,
  hangUps,
  leadAnswers,
  leadStatusCallback,
  recordedCalls,
  statusCallbacks,
  twimlAttribute,
  twimlRequest,
  written,
} from "./telephony-helpers.ts";

// Calls that reach a person: the agent takes the call with a key press (no press, or their
// voicemail, rings the next agent), and the lead's phone answered by a machine is no
// conversation. Through the fake Twilio, whose requests are signed by the twilio package, and
// through the sandbox's numbers, which play the same answers to the same state machine.

const legsOf = (callbackId: string) =>
  db().select().from(callAttempts).where(eq(callAttempts.callbackId, callbackId)).orderBy(asc(callAttempts.attemptNumber), asc(callAttempts.leg));

async function deliverAll(requests: ReadyRequest[]) {
  for (const request of requests) expect((await deliver(request)).status, `${request.status} #${request.sequence}`).toBe(204);
}

/** The agent's phone is answered (by the agent or their voicemail); then its call ends with what `after` did. */
async function agentLeg(attemptId: string, after: () => Promise<void>) {
  const statuses = (await statusCallbacks({ attempt: attemptId, leg: "agent" })).requests;
  await deliverAll(statuses.slice(0, 3)); // initiated, ringing, in-progress
  await after();
  await deliverAll(statuses.slice(3)); // completed
}

describe("through Twilio: the agent takes the call with a key press", () => {
  it("1 bridges the lead, and the callback completes once the lead has talked", async () => {
    const dialed = await dialedCallback();
    let twiml = "";
    await agentLeg(dialed.attemptId, async () => {
      twiml = await agentPresses(dialed.attemptId, "1");
      expect(twiml).toContain("<Dial");
      expect(await leadAnswers(dialed.attemptId, twiml, "human", dialed.leadPhone)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      const lead = await statusCallbacks({ attempt: dialed.attemptId, leg: "lead", url: leadStatusCallback(twiml), to: dialed.leadPhone, durationSeconds: 42 });
      await deliverAll(lead.requests);
    });
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.callbacks[0]!.status).toBe("completed");
    expect(after.attempt).toMatchObject({ answeredBy: "human", outcome: null });
    expect(after.attempt.acceptedAt).not.toBeNull();
  });

  it.each([
    ["presses another key", "2"],
    ["lets the prompt pass (or their voicemail answers)", undefined],
  ])("an agent who %s does not get the lead: the next agent is rung", async (_, digits) => {
    const dialed = await dialedCallback({ roundRobin: true });
    await agentLeg(dialed.attemptId, async () => {
      const twiml = await agentPresses(dialed.attemptId, digits);
      expect(twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Not taken. Goodbye.</Say><Hangup/></Response>');
    });
    const [first, second, ...more] = await legsOf(dialed.callbackId);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ leg: 0, outcome: "not_accepted", acceptedAt: null, leadStatus: null });
    expect(second).toMatchObject({ leg: 1, attemptNumber: 1 });
    expect(second!.agentId).not.toBe(first!.agentId);
    expect(await recordedCalls(second!.id)).toHaveLength(1);
    expect((await callbackRow(dialed.callbackId)).status).toBe("dialing");
  });

  it("an agent of the callback's own who does not accept makes the attempt a miss, with why", async () => {
    const dialed = await dialedCallback();
    await agentLeg(dialed.attemptId, async () => void (await agentPresses(dialed.attemptId)));
    const { events } = await rowsOf(dialed.workspace.id);
    expect(events.filter((e) => e.type === "call.missed").map((e) => e.data.reason)).toEqual(["agent-not-accepted"]);
    expect((await callbackRow(dialed.callbackId)).status).toBe("retry_scheduled");
  });

  it("a press is taken once, and not for a call that is no longer the callback's", async () => {
    const dialed = await dialedCallback();
    expect(await agentPresses(dialed.attemptId, "2")).toContain("Not taken");
    // A second press (Twilio retrying its request) cannot turn a refusal into the lead.
    expect(await agentPresses(dialed.attemptId, "1")).toContain("Not taken");
    expect((await attemptRow(dialed.attemptId)).outcome).toBe("not_accepted");
  });
});

describe("through Twilio: the lead's side", () => {
  it("a lead who hangs up before the detection's verdict was never bridged: a miss, not a conversation", async () => {
    const dialed = await dialedCallback();
    await agentLeg(dialed.attemptId, async () => {
      const twiml = await agentPresses(dialed.attemptId, "1");
      await deliverAll((await statusCallbacks({ attempt: dialed.attemptId, leg: "lead", url: leadStatusCallback(twiml), to: dialed.leadPhone, durationSeconds: 3 })).requests);
    });
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.callbacks[0]!.status).toBe("retry_scheduled");
    expect(after.events).not.toContain("call.connected");
    expect(after.events).not.toContain("post_call");
    const { events } = await rowsOf(dialed.workspace.id);
    expect(events.find((e) => e.type === "call.missed")!.data).toMatchObject({ reason: "lead-not-bridged", answered_by: null });
  });

  it("Twilio repeating the lead's request gets the same answer, even once the callback is connected", async () => {
    const dialed = await dialedCallback();
    const twiml = await agentPresses(dialed.attemptId, "1");
    const lead = await statusCallbacks({ attempt: dialed.attemptId, leg: "lead", url: leadStatusCallback(twiml), to: dialed.leadPhone, durationSeconds: 42 });
    await deliverAll(lead.requests.slice(0, 3)); // the lead answers
    const bridge = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
    expect(await leadAnswers(dialed.attemptId, twiml, "human", dialed.leadPhone)).toBe(bridge);
    await expect.poll(async () => (await callbackRow(dialed.callbackId)).status).toBe("connected");
    // A second verdict, even another one, changes nothing: the person stays bridged.
    expect(await leadAnswers(dialed.attemptId, twiml, "machine_end_beep", dialed.leadPhone)).toBe(bridge);
    expect((await attemptRow(dialed.attemptId)).answeredBy).toBe("human");
  });
});

describe("through Twilio: the lead's voicemail answers", () => {
  /** The agent takes the call, the lead's machine answers and is dealt with, and the lead's call ends. */
  async function machineAnswers(options: Parameters<typeof dialedCallback>[0] = {}) {
    const dialed = await dialedCallback(options);
    let leadTwiml = "";
    await agentLeg(dialed.attemptId, async () => {
      const twiml = await agentPresses(dialed.attemptId, "1");
      const lead = await statusCallbacks({ attempt: dialed.attemptId, leg: "lead", url: leadStatusCallback(twiml), to: dialed.leadPhone, durationSeconds: 12 });
      await deliverAll(lead.requests.slice(0, 3)); // initiated, ringing, in-progress: answered
      leadTwiml = await leadAnswers(dialed.attemptId, twiml, "machine_end_beep", dialed.leadPhone);
      await deliverAll(lead.requests.slice(3));
    });
    return { dialed, leadTwiml, after: await written(dialed.workspace.id, dialed.attemptId), rows: await rowsOf(dialed.workspace.id) };
  }

  it("is hung up on, and the attempt is missed and retried (the default): never connected", async () => {
    const { leadTwiml, after, rows } = await machineAnswers();
    expect(leadTwiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    expect(after.attempt).toMatchObject({ answeredBy: "machine_end_beep", outcome: "machine", leadStatus: "completed" });
    expect(after.callbacks[0]!.status).toBe("retry_scheduled");
    expect(after.events).not.toContain("call.connected");
    expect(after.events).not.toContain("post_call");
    const missed = rows.events.find((e) => e.type === "call.missed")!.data;
    expect(missed).toMatchObject({ reason: "lead-machine", answered_by: "machine_end_beep", outcome: "machine" });
  });

  it("is left the domain's voicemail after the beep, and the callback retries", async () => {
    const domain = { machineAnswer: "voicemail" as const, voicemailMessage: "Hi, it's Ada from Ringback & Co. Call us back." };
    const { leadTwiml, after, rows } = await machineAnswers({ domain });
    expect(leadTwiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi, it&apos;s Ada from Ringback &amp; Co. Call us back.</Say><Hangup/></Response>');
    expect(after.attempt).toMatchObject({ outcome: "voicemail_left" });
    expect(after.callbacks[0]!.status).toBe("retry_scheduled");
    expect(rows.events.find((e) => e.type === "call.missed")!.data).toMatchObject({ reason: "voicemail_left", outcome: "voicemail_left" });
  });

  it("ends the callback with the voicemail where the domain says one is enough", async () => {
    const domain = { machineAnswer: "voicemail" as const, voicemailMessage: "Call us back.", retryAfterVoicemail: false };
    const { after } = await machineAnswers({ domain });
    expect(after.callbacks[0]).toMatchObject({ status: "completed", endedReason: "voicemail_left", nextAttemptAt: null });
    expect(after.events).toContain("callback.completed");
  });
});

describe("post_call: seed 002's fields, all true", () => {
  it("has the seed's field list, real times, the callback's metadata, and null for what Ringback does not know", async () => {
    const dialed = await dialedCallback({ metadata: { source: "website", campaign: "summer-promo" } });
    await agentLeg(dialed.attemptId, async () => {
      const twiml = await agentPresses(dialed.attemptId, "1");
      await leadAnswers(dialed.attemptId, twiml, "human", dialed.leadPhone);
      await deliverAll((await statusCallbacks({ attempt: dialed.attemptId, leg: "lead", url: leadStatusCallback(twiml), to: dialed.leadPhone, durationSeconds: 141 })).requests);
    });
    const postCall = (await rowsOf(dialed.workspace.id)).events.find((e) => e.type === "post_call")!.data as Record<string, unknown>;
    // The seed's example payload, field for field, and answered_by.
    const seedFields = ["webhook_version", "webhook_timestamp", "webhook_type", "call_id", "agent_id", "phone_number", "from_phone_number", "status", "intent", "intent_confidence", "lead_data", "duration_minutes", "duration_seconds", "start_time", "end_time", "call_successful", "language", "credits_deducted", "metadata", "recording_url"];
    expect(Object.keys(postCall).sort()).toEqual([...seedFields, "answered_by"].sort());
    const parsed = PostCallV1.parse(postCall);
    expect(parsed).toMatchObject({ call_id: dialed.attemptId, duration_seconds: 141, duration_minutes: 2.35, intent: null, intent_confidence: null, language: null, credits_deducted: null, answered_by: "human" });
    expect(Date.parse(parsed.end_time) - Date.parse(parsed.start_time)).toBe(141_000);
    expect(parsed.metadata).toEqual({ source: "website", campaign: "summer-promo", callback_id: dialed.callbackId, attempt_number: 1 });
  });
});

describe("through the sandbox: the same answers", () => {
  it.each([
    ["+15005550007", "the agent's voicemail picks up"],
    ["+15005550008", "the agent answers and presses nothing"],
  ])("%s (%s): each agent in turn is rung, none takes it, and the attempt is missed", async (phone) => {
    const { test, domain, workspace } = await callCentre(2);
    const id = await newCallback(test.key, domain.id, phone);
    await dial(id);
    const legs = await legsOf(id);
    expect(legs.map((l) => [l.leg, l.status, l.outcome, l.leadStatus])).toEqual([
      [0, "completed", "not_accepted", null],
      [1, "completed", "not_accepted", null],
    ]);
    expect((await callbackRow(id)).status).toBe("retry_scheduled");
    const missed = (await rowsOf(workspace.id)).events.filter((e) => e.type === "call.missed");
    expect(missed.map((e) => e.data.reason)).toEqual(["no-agent-answered"]);
  });

  it("+15005550007 without the key press: the agent's voicemail gets the lead, which is what the key press prevents", async () => {
    const { test, domain } = await callCentre(1, { agentAccept: false });
    const id = await newCallback(test.key, domain.id, "+15005550007");
    await dial(id);
    expect((await callbackRow(id)).status).toBe("completed");
  });

  it("+15005550009 (the lead's voicemail picks up): missed and retried, or a voicemail left, by the domain's setting", async () => {
    const retry = await callCentre();
    const retried = await newCallback(retry.test.key, retry.domain.id, "+15005550009");
    await dial(retried);
    expect(await callbackRow(retried)).toMatchObject({ status: "retry_scheduled" });
    expect((await legsOf(retried))[0]).toMatchObject({ answeredBy: "machine_end_beep", outcome: "machine", leadStatus: "completed" });

    const voicemail = await callCentre(1, { machineAnswer: "voicemail", voicemailMessage: "Sorry we missed you.", retryAfterVoicemail: false });
    const left = await newCallback(voicemail.test.key, voicemail.domain.id, "+15005550009");
    await dial(left);
    expect(await callbackRow(left)).toMatchObject({ status: "completed", endedReason: "voicemail_left" });
    const events = (await rowsOf(voicemail.workspace.id)).events;
    expect(events.map((e) => e.type)).not.toContain("call.connected");
    expect(events.find((e) => e.type === "call.missed")!.data).toMatchObject({ reason: "voicemail_left", answered_by: "machine_end_beep" });
  });

  it("+15005550001: the agent presses 1, a person answers, and post_call says so", async () => {
    const { test, domain, workspace } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    await dial(id);
    expect((await legsOf(id))[0]).toMatchObject({ answeredBy: "human", outcome: null });
    expect((await legsOf(id))[0]!.acceptedAt).not.toBeNull();
    const postCall = PostCallV1.parse((await rowsOf(workspace.id)).events.find((e) => e.type === "post_call")!.data);
    expect(Date.parse(postCall.end_time) - Date.parse(postCall.start_time)).toBe(sandboxTalkSeconds * 1000);
  });
});

describe("simultaneous ring: several agents at once, the first 1 takes the call", () => {
  it("through Twilio: the first to press 1 gets the lead, the others are hung up, and a later 1 is not taken", async () => {
    const dialed = await dialedCallback({ roundRobin: true, domain: { simultaneousRing: 2 } });
    const [first, second, ...more] = await legsOf(dialed.callbackId);
    expect(more).toEqual([]);
    expect([first!.ringGroup, second!.ringGroup]).toEqual([0, 0]);
    expect(second!.agentId).not.toBe(first!.agentId);
    const [secondCall] = await recordedCalls(second!.id);

    // Both phones ring; the second agent presses 1 first.
    const taken = await agentPresses(second!.id, "1");
    expect(taken).toContain("<Dial");
    await expect.poll(async () => (await hangUps()).filter((h) => h.callSid === dialed.callSid).length).toBeGreaterThan(0);
    expect((await hangUps()).map((h) => h.callSid)).not.toContain(secondCall!.sid);
    // The other agent, answering late, hears nothing but a hang-up; a 1 pressed anyway is not taken.
    expect(await (await deliver(await twimlRequest(first!.id))).text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    const lateAccept = `${twimlAttribute(taken, "Number", "statusCallback").split("/status")[0]}/accept?attempt=${first!.id}`;
    expect(await (await deliver(await gatherRequest(first!.id, lateAccept, "1"))).text()).toContain("Not taken");

    // The hung-up agent's call ends; the lead talks to the one who took it.
    await deliverAll((await statusCallbacks({ attempt: first!.id, leg: "agent", statuses: ["initiated", "ringing", "in-progress", "canceled"] })).requests);
    await leadAnswers(second!.id, taken, "human", dialed.leadPhone);
    await deliverAll((await statusCallbacks({ attempt: second!.id, leg: "lead", url: leadStatusCallback(taken), to: dialed.leadPhone, durationSeconds: 30 })).requests);
    const { events } = await rowsOf(dialed.workspace.id);
    expect((await callbackRow(dialed.callbackId)).status).toBe("completed");
    expect(events.filter((e) => e.type === "call.connected").map((e) => e.data.call_id)).toEqual([second!.id]);
    expect(events.filter((e) => e.type === "call.missed")).toEqual([]);
    const legs = await legsOf(dialed.callbackId);
    expect(legs.filter((l) => l.acceptedAt !== null).map((l) => l.id)).toEqual([second!.id]);
  });

  it("through Twilio: when none of the group presses 1, the attempt is missed once, after the last of them", async () => {
    const dialed = await dialedCallback({ roundRobin: true, domain: { simultaneousRing: 2 } });
    const [first, second] = await legsOf(dialed.callbackId);
    await agentLeg(first!.id, async () => void (await agentPresses(first!.id)));
    // The other agent's phone still rings: nothing is decided yet.
    expect((await callbackRow(dialed.callbackId)).status).toBe("dialing");
    await agentLeg(second!.id, async () => void (await agentPresses(second!.id)));
    expect((await callbackRow(dialed.callbackId)).status).toBe("retry_scheduled");
    const missed = (await rowsOf(dialed.workspace.id)).events.filter((e) => e.type === "call.missed");
    expect(missed.map((e) => e.data.reason)).toEqual(["no-agent-answered"]);
  });

  it("through Twilio: the taker's call ending without the lead moves on, whatever the others' phones still say", async () => {
    const dialed = await dialedCallback({ roundRobin: true, domain: { simultaneousRing: 2 } });
    const [, second] = await legsOf(dialed.callbackId);
    // The second agent takes it, then hangs up before the lead is reached; the first agent's
    // call (being hung up) has said nothing yet.
    await agentLeg(second!.id, async () => void (await agentPresses(second!.id, "1")));
    expect((await callbackRow(dialed.callbackId)).status).toBe("retry_scheduled");
    const missed = (await rowsOf(dialed.workspace.id)).events.filter((e) => e.type === "call.missed");
    expect(missed.map((e) => e.data.call_id)).toEqual([second!.id]);
  });

  it("through the sandbox: three agents rung at once, one takes the call", async () => {
    const { test, domain, workspace } = await callCentre(3, { simultaneousRing: 3 });
    const id = await newCallback(test.key, domain.id, "+15005550001");
    await dial(id);
    const legs = await legsOf(id);
    expect(legs).toHaveLength(3);
    expect(new Set(legs.map((l) => l.agentId)).size).toBe(3);
    expect(legs.filter((l) => l.acceptedAt !== null)).toHaveLength(1);
    expect((await callbackRow(id)).status).toBe("completed");
    const { events } = await rowsOf(workspace.id);
    expect(events.filter((e) => e.type === "call.connected")).toHaveLength(1);
    expect(events.filter((e) => e.type === "post_call")).toHaveLength(1);
  });
});
