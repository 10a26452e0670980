import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dialCallback } from "../../functions/calls/dial.ts";
import { TwilioError, twilioTelephony } from "../../functions/calls/twilio.ts";
import { newId } from "../../schemas/ids.ts";
import type { CallbackOrder, ReadyRequest } from "../setup/fake-twilio-types.ts";
import { call as callWorker, makeKey, testEnv } from "./fixtures.ts";
import {
  agentPresses,
  attemptsOf,
  attemptRow,
  deliver,
  dialedCallback,
  dueCallback,
  failNext,
  fakeTwilio,
  gatherRequest,
  hangUps,
  leadAnswers,
  leadStatusCallback,
  publicUrl,
  recordedCalls,
  recordingCallback,
  sign,
  signJson,
  statusCallbacks,
  twimlRequest,
  written,
} from "./telephony-helpers.ts";

// The Twilio provider against a fake Twilio on loopback (test/setup/fake-twilio.ts), whose
// requests to the Worker are signed by the twilio package itself.

const call = (attemptId: string, record: boolean) => ({ attemptId, agentPhone: "+14155550100", leadPhone: "+14155550123", leadName: "Ada", callerId: "+15005550006", record });

describe("placing a call", () => {
  it("sends Twilio's create-call request, with Basic auth, and resolves with the CallSid", async () => {
    const attempt = newId("callAttempt");
    const { callId } = await twilioTelephony(testEnv()).placeCall(call(attempt, true));
    const [recorded, ...more] = await recordedCalls(attempt);
    expect(more).toEqual([]);
    expect(recorded).toMatchObject({ sid: callId, authorized: true, accountSid: fakeTwilio().bindings.TWILIO_ACCOUNT_SID, answered: 201 });
    expect(callId).toMatch(/^CA[0-9a-f]{32}$/);
    const base = `${publicUrl()}/telephony/twilio`;
    expect(recorded!.params).toEqual([
      ["To", "+14155550100"],
      ["From", "+15005550006"],
      ["Url", `${base}/twiml?attempt=${attempt}`],
      ["Method", "POST"],
      ["StatusCallback", `${base}/status?attempt=${attempt}&leg=agent`],
      ["StatusCallbackMethod", "POST"],
      ["Timeout", "20"],
      ["StatusCallbackEvent", "initiated"],
      ["StatusCallbackEvent", "ringing"],
      ["StatusCallbackEvent", "answered"],
      ["StatusCallbackEvent", "completed"],
      ["Record", "true"],
      ["RecordingStatusCallback", `${base}/recording?attempt=${attempt}`],
      ["RecordingStatusCallbackMethod", "POST"],
    ]);
  });

  it("calls from TWILIO_CALLER_ID when the workspace has no caller id, else from the agent's phone", async () => {
    const [deployment, agent] = [newId("callAttempt"), newId("callAttempt")];
    await twilioTelephony(testEnv()).placeCall({ ...call(deployment, false), callerId: null });
    await twilioTelephony({ ...testEnv(), TWILIO_CALLER_ID: undefined }).placeCall({ ...call(agent, false), callerId: null });
    const from = async (attempt: string) => (await recordedCalls(attempt))[0]?.params.find(([name]) => name === "From")?.[1];
    expect(await from(deployment)).toBe(fakeTwilio().bindings.TWILIO_CALLER_ID);
    expect(await from(agent)).toBe("+14155550100");
  });

  it("asks for no recording unless the call is recorded", async () => {
    const attempt = newId("callAttempt");
    await twilioTelephony(testEnv()).placeCall(call(attempt, false));
    const names = (await recordedCalls(attempt))[0]!.params.map(([name]) => name);
    expect(names.filter((n) => n.startsWith("Record"))).toEqual([]);
  });

  it("throws Twilio's code and message, never the auth token", async () => {
    const env = testEnv();
    const attempt = newId("callAttempt");
    await failNext({ attempt, status: 400, code: 21211, message: `Invalid 'To' Phone Number: +14155550100 (${env.TWILIO_AUTH_TOKEN})` });
    const error = await twilioTelephony(env).placeCall(call(attempt, false)).then(() => expect.unreachable("Twilio refused it"), (err: unknown) => err as Error);
    expect(error.message).toBe("Twilio refused the call (HTTP 400, code 21211): Invalid 'To' Phone Number: +14155550100 ([redacted])");
    expect(error).toBeInstanceOf(TwilioError);
    expect(error).toMatchObject({ status: 400, code: 21211 });
  });

  it("throws on wrong credentials without quoting them", async () => {
    const env = { ...testEnv(), TWILIO_AUTH_TOKEN: "not-the-token" };
    const attempt = newId("callAttempt");
    const error = await twilioTelephony(env).placeCall(call(attempt, false)).then(() => expect.unreachable("Twilio refused it"), (err: unknown) => err as Error);
    expect(error.message).toBe("Twilio refused the call (HTTP 401, code 20003): Authenticate");
    expect((await recordedCalls(attempt))[0]).toMatchObject({ authorized: false, answered: 401 });
  });

  it("names the missing settings and sends nothing", async () => {
    const attempt = newId("callAttempt");
    const env = { ...testEnv(), PUBLIC_URL: undefined, TWILIO_AUTH_TOKEN: undefined };
    await expect(twilioTelephony(env).placeCall(call(attempt, false))).rejects.toThrow("Twilio is not configured: PUBLIC_URL, TWILIO_AUTH_TOKEN are not set");
    expect(await recordedCalls(attempt)).toEqual([]);
  });

  it("fails cleanly when Twilio cannot be reached", async () => {
    const env = { ...testEnv(), TWILIO_API_BASE: "http://127.0.0.1:9" };
    await expect(twilioTelephony(env).placeCall(call(newId("callAttempt"), false))).rejects.toThrow(/^Twilio could not be reached$/);
  });
});

describe("X-Twilio-Signature", () => {
  const routes = ["status", "twiml", "recording"] as const;

  async function signedRequest(route: (typeof routes)[number]) {
    const dialed = await dialedCallback({ record: true });
    const request =
      route === "status"
        ? (await statusCallbacks({ attempt: dialed.attemptId, leg: "agent", statuses: ["ringing"] })).requests[0]!
        : route === "twiml"
          ? await twimlRequest(dialed.attemptId)
          : await recordingCallback(dialed.attemptId);
    return { dialed, request, before: await written(dialed.workspace.id, dialed.attemptId) };
  }

  it.each(routes)("%s: missing is 400, wrong is 403, and neither writes anything", async (route) => {
    const { dialed, request, before } = await signedRequest(route);
    const { "X-Twilio-Signature": signature, ...unsigned } = request.headers;
    const missing = await deliver(request, { headers: unsigned });
    expect(missing.status).toBe(400);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(await missing.json()).toMatchObject({ code: "bad_request", detail: "X-Twilio-Signature is missing" });

    const wrong = [
      { headers: { ...request.headers, "X-Twilio-Signature": signature!.replace(/^./, (c) => (c === "A" ? "B" : "A")) } },
      { body: request.body.replace(/RecordingStatus=completed|CallStatus=ringing|CallStatus=in-progress/, (p) => p.replace(/=.*/, "=busy")) },
      { url: `${request.url}&leg=lead` },
    ];
    for (const change of wrong) {
      const res = await deliver(request, change);
      expect(res.status, JSON.stringify(change)).toBe(403);
      expect(await res.json()).toMatchObject({ code: "forbidden", status: 403 });
    }
    expect(await written(dialed.workspace.id, dialed.attemptId)).toEqual(before);
  });

  it("checks the URL Twilio was given (PUBLIC_URL), not the host the Worker was reached through", async () => {
    const { dialed, request } = await signedRequest("status");
    const seen = request.url.replace(publicUrl(), "http://127.0.0.1:8787");
    expect((await deliver(request, { url: seen })).status).toBe(204);
    expect((await attemptRow(dialed.attemptId)).status).toBe("ringing");
    const signedAsSeen = (await sign(seen, Object.fromEntries(new URLSearchParams(request.body)))).signature;
    expect((await deliver(request, { url: seen, headers: { ...request.headers, "X-Twilio-Signature": signedAsSeen } })).status).toBe(403);
  });

  it("accepts a signature over the URL with :443, as Twilio's library does, but not another port", async () => {
    const { request } = await signedRequest("status");
    const params = Object.fromEntries(new URLSearchParams(request.body));
    const withPort = await sign(request.url.replace(publicUrl(), `${publicUrl()}:443`), params);
    expect((await deliver(request, { headers: { ...request.headers, "X-Twilio-Signature": withPort.signature } })).status).toBe(204);
    const otherPort = await sign(request.url.replace(publicUrl(), `${publicUrl()}:8443`), params);
    expect((await deliver(request, { headers: { ...request.headers, "X-Twilio-Signature": otherPort.signature } })).status).toBe(403);
  });

  it("accepts a JSON body through bodySHA256, and refuses it changed", async () => {
    const { dialed, request } = await signedRequest("recording");
    const json = JSON.stringify(Object.fromEntries(new URLSearchParams(request.body)));
    const { url, signature } = await signJson(request.url, json);
    const headers = { "Content-Type": "application/json", "X-Twilio-Signature": signature };
    expect((await deliver(request, { url, headers, body: json.replace("completed", "absent") })).status).toBe(403);
    expect((await attemptRow(dialed.attemptId)).recordingUrl).toBeNull();
    expect((await deliver(request, { url, headers, body: json })).status).toBe(204);
    expect((await attemptRow(dialed.attemptId)).recordingUrl).toBe(JSON.parse(json).RecordingUrl);
  });
});

describe("the TwiML", () => {
  const base = () => `${publicUrl()}/telephony/twilio`;
  const dial = (attempt: string, detection: string) =>
    '<Dial callerId="+15005550006" answerOnBridge="true" timeout="30">' +
    `<Number url="${base()}/lead?attempt=${attempt}" method="POST" machineDetection="${detection}" ` +
    `statusCallback="${base()}/status?attempt=${attempt}&amp;leg=lead" ` +
    'statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">+18005550123</Number></Dial>';

  it("whispers the lead's name, escaped, and waits for the agent's 1 before dialling the lead", async () => {
    const dialed = await dialedCallback({ leadName: `Zoë O'Brien & <Sons> "Ltd"` });
    const res = await deliver(await twimlRequest(dialed.attemptId));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/xml; charset=utf-8");
    expect(await res.text()).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        `<Gather action="${base()}/accept?attempt=${dialed.attemptId}" method="POST" numDigits="1" timeout="8" actionOnEmptyResult="true">` +
        "<Say>Ringback call for Zoë O&apos;Brien &amp; &lt;Sons&gt; &quot;Ltd&quot;, from the API. Press 1 to take the call.</Say>" +
        "</Gather><Hangup/></Response>",
    );
    const accepted = await deliver(await gatherRequest(dialed.attemptId, `${base()}/accept?attempt=${dialed.attemptId}`, "1"));
    expect(await accepted.text()).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>Connecting now.</Say>${dial(dialed.attemptId, "Enable")}</Response>`);
    expect((await attemptRow(dialed.attemptId)).acceptedAt).not.toBeNull();
  });

  it("dials the lead at once where the domain does not ask the agent to accept, waiting for a voicemail's beep where one is left", async () => {
    const dialed = await dialedCallback({ domain: { agentAccept: false, machineAnswer: "voicemail", voicemailMessage: "Hi, it's Ringback." } });
    expect(await (await deliver(await twimlRequest(dialed.attemptId))).text()).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Ringback call for Ada Lovelace, from the API. Connecting now.</Say>${dial(dialed.attemptId, "DetectMessageEnd")}</Response>`,
    );
  });

  it("says 'a new lead' for a lead without a name", async () => {
    const dialed = await dialedCallback({ leadName: null });
    expect(await (await deliver(await twimlRequest(dialed.attemptId))).text()).toContain("<Say>Ringback call for a new lead, from the API. Press 1 to take the call.</Say>");
  });

  it("hangs up on an unknown attempt", async () => {
    const dialed = await dialedCallback();
    const request = await twimlRequest(dialed.attemptId);
    const url = request.url.replace(dialed.attemptId, newId("callAttempt"));
    const { signature } = await sign(url, Object.fromEntries(new URLSearchParams(request.body)));
    const res = await deliver(request, { url, headers: { ...request.headers, "X-Twilio-Signature": signature } });
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });
});

describe("status callbacks", () => {
  /** Delivers every request, each of which Twilio only needs a 2xx for. */
  async function deliverAll(requests: ReadyRequest[]) {
    for (const request of requests) expect((await deliver(request)).status, `${request.status} #${request.sequence}`).toBe(204);
  }

  it.each<CallbackOrder>(["in-order", "out-of-order", "duplicated"])("%s: an answered call ends completed, each event once", async (order) => {
    const dialed = await dialedCallback();
    const agent = (await statusCallbacks({ attempt: dialed.attemptId, leg: "agent", order })).requests;
    const hangUp = agent.findIndex((r) => r.status === "completed");
    await deliverAll(agent.slice(0, hangUp)); // the agent answers
    const twiml = await agentPresses(dialed.attemptId, "1");
    const lead = await statusCallbacks({ attempt: dialed.attemptId, leg: "lead", order, url: leadStatusCallback(twiml), to: dialed.leadPhone, durationSeconds: 42 });
    expect(await leadAnswers(dialed.attemptId, twiml, "human", dialed.leadPhone)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    await deliverAll(lead.requests); // the lead answers, talks, hangs up
    await deliverAll(agent.slice(hangUp)); // then the agent's call ends, and anything late arrives

    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt).toMatchObject({ status: "completed", lastSequenceNumber: 3, providerCallId: dialed.callSid, leadStatus: "completed", leadSequenceNumber: 3, leadCallId: lead.callSid, durationSeconds: 42, answeredBy: "human", outcome: null });
    expect(after.attempt.answeredAt).not.toBeNull();
    expect(after.callbacks[0]!.status).toBe("completed");
    expect(after.events.sort()).toEqual(["call.completed", "call.connected", "call.initiated", "callback.completed", "post_call"]);
    expect(after.callLogs).toHaveLength(1);
  });

  it("a ringing after completed, and repeats, leave a missed call where it ended", async () => {
    const dialed = await dialedCallback();
    const { requests } = await statusCallbacks({ attempt: dialed.attemptId, leg: "agent", statuses: ["initiated", "ringing", "no-answer"], order: "out-of-order" });
    await deliverAll([...requests, ...requests]);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.attempt).toMatchObject({ status: "no-answer", lastSequenceNumber: 2, leadStatus: null });
    expect(after.callbacks[0]!.status).toBe("retry_scheduled");
    expect(after.events.filter((e) => e === "call.missed")).toHaveLength(1);
  });

  it.each([
    ["a leg that is neither agent nor lead", (url: string) => url.replace("leg=agent", "leg=caller"), (body: string) => body],
    ["an unknown CallStatus", (url: string) => url, (body: string) => body.replace("CallStatus=ringing", "CallStatus=picked-up")],
    ["a malformed SequenceNumber", (url: string) => url, (body: string) => body.replace("SequenceNumber=0", "SequenceNumber=first")],
  ])("refuses %s with 400, writing nothing", async (_, changeUrl, changeBody) => {
    const dialed = await dialedCallback();
    const [request] = (await statusCallbacks({ attempt: dialed.attemptId, leg: "agent", statuses: ["ringing"] })).requests;
    const before = await written(dialed.workspace.id, dialed.attemptId);
    const url = changeUrl(request!.url);
    const body = changeBody(request!.body);
    const { signature } = await sign(url, Object.fromEntries(new URLSearchParams(body)));
    const res = await deliver(request!, { url, body, headers: { ...request!.headers, "X-Twilio-Signature": signature } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "bad_request" });
    expect(await written(dialed.workspace.id, dialed.attemptId)).toEqual(before);
  });
});

describe("recording callbacks", () => {
  it("keeps a completed recording's URL, and ignores the others", async () => {
    const dialed = await dialedCallback({ record: true });
    expect((await recordedCalls(dialed.attemptId))[0]!.params).toContainEqual(["Record", "true"]);
    expect((await deliver(await recordingCallback(dialed.attemptId, "in-progress"))).status).toBe(204);
    expect((await attemptRow(dialed.attemptId)).recordingUrl).toBeNull();
    const completed = await recordingCallback(dialed.attemptId, "completed");
    expect((await deliver(completed)).status).toBe(204);
    expect((await attemptRow(dialed.attemptId)).recordingUrl).toBe(new URLSearchParams(completed.body).get("RecordingUrl"));
  });
});

describe("canceling a callback in a call", () => {
  it("hangs the call up at Twilio, and its later status callbacks change nothing", async () => {
    const dialed = await dialedCallback();
    const { key } = await makeKey(dialed.workspace.id);
    const res = await callWorker(`/v1/callbacks/${dialed.callbackId}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    await expect.poll(async () => (await hangUps()).filter((h) => h.callSid === dialed.callSid).map((h) => h.status)).toEqual(["completed"]);
    const agent = (await statusCallbacks({ attempt: dialed.attemptId, leg: "agent", order: "in-order" })).requests;
    for (const request of agent) expect((await deliver(request)).status).toBe(204);
    const after = await written(dialed.workspace.id, dialed.attemptId);
    expect(after.callbacks[0]!.status).toBe("canceled");
    expect(after.events.filter((e) => e === "callback.completed")).toHaveLength(1);
    expect(after.events).not.toContain("call.missed");
  });
});


describe("a call that is no longer the callback's", () => {
  it("gets a hang-up, not the lead, when the agent answers after a cancel", async () => {
    const dialed = await dialedCallback();
    const { key } = await makeKey(dialed.workspace.id);
    expect((await callWorker(`/v1/callbacks/${dialed.callbackId}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);
    const twiml = await (await deliver(await twimlRequest(dialed.attemptId))).text();
    expect(twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });
});

describe("one create-call request per callback", () => {
  it("100 concurrent triggers on one callback reach Twilio once", async () => {
    const due = await dueCallback();
    const ctx = createExecutionContext();
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => dialCallback(testEnv(), ctx, due.callbackId)));
    await waitOnExecutionContext(ctx);
    expect(outcomes.filter((o) => o === "dialed")).toHaveLength(1);
    const [attempt, ...others] = await attemptsOf(due.callbackId);
    expect(others).toEqual([]);
    expect(await recordedCalls(attempt!.id)).toHaveLength(1);
  });
});
