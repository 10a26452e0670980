import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import twilio from "twilio";
import type { TestProject } from "vitest/node";
import { closeServer, listenOnLoopback, readJson, sendJson } from "../../dev/loopback.ts";
import type { CallbackOrder, CallbacksRequest, CallStateRequest, Failure, FakeTwilioBindings, ReadyRequest, RecordedCall } from "./fake-twilio-types.ts";

// A fake Twilio REST API on loopback, for the Worker tests (globalSetup; the Worker reaches it
// through TWILIO_API_BASE). It answers create-call requests as Twilio does and records them, and
// it plays Twilio's side of the callbacks: it builds the status, TwiML and recording requests
// Twilio would send for a recorded call, signed with the twilio package itself (an oracle
// independent of the Worker's signing code), for the tests to deliver to the Worker.
//
//   POST /2010-04-01/Accounts/{sid}/Calls.json   create a call (Basic auth, form body)
//   POST /2010-04-01/Accounts/{sid}/Calls/{CallSid}.json   update (hang up) a call
//   GET  /2010-04-01/Accounts/{sid}/Calls/{CallSid}.json   a call as Twilio records it (set by /__call-state)
//   GET  /2010-04-01/Accounts/{sid}/Calls.json?ParentCallSid=…   the calls it spawned (the lead's leg)
//   POST /__call-state   CallStateRequest        what those two answer for a call
//   GET  /__calls?attempt=att_…                  the create-call requests received
//   GET  /__hang-ups                             the hang-up requests received
//   POST /__fail-next    Failure                 the next create (for that attempt) fails so
//   POST /__sign         {url, params} | {url, json}   a signature (JSON: the URL gets bodySHA256)
//   POST /__callbacks    CallbacksRequest        signed status callbacks for one leg of a call
//   POST /__twiml        {attempt}               the signed request for the call's TwiML
//   POST /__gather       {attempt, url, digits?} the signed request to a <Gather>'s action (no digits: none pressed)
//   POST /__answered     {attempt, url, answeredBy}   the signed request to the lead's <Number url>
//   POST /__recording    {attempt, status?}      a signed recording status callback

const apiVersion = "2010-04-01";
const callStatuses = ["initiated", "ringing", "in-progress", "completed"];

export async function startFakeTwilio() {
  const accountSid = `AC${randomBytes(16).toString("hex")}`;
  const authToken = randomBytes(16).toString("hex"); // made per run: nothing to commit or leak
  const calls: RecordedCall[] = [];
  const failures: Failure[] = [];
  const hangUps: { callSid: string; status: string | null; authorization: string | null }[] = [];
  const leadCalls = new Map<string, string>(); // attempt → the lead leg's CallSid, stable across asks
  const states = new Map<string, CallStateRequest>(); // CallSid → how Twilio would say the call went

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => sendJson(res, 500, { error: String(err) }));
  });
  const port = await listenOnLoopback(server);
  const url = `http://127.0.0.1:${port}`;
  const bindings: FakeTwilioBindings = {
    TWILIO_API_BASE: url,
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_CALLER_ID: "+15005550006",
    // Not the host the tests reach the Worker through: signatures must be checked against this.
    PUBLIC_URL: "https://public.ringback.test",
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const requestUrl = new URL(req.url ?? "/", url);
    const fetchOne = new RegExp(`^/${apiVersion}/Accounts/[^/]+/Calls/(CA[0-9a-f]{32})\\.json$`).exec(requestUrl.pathname);
    if (fetchOne && req.method === "GET") {
      const state = states.get(fetchOne[1]!);
      if (!state) return sendJson(res, 404, { code: 20404, message: "The requested resource was not found", status: 404 });
      return sendJson(res, 200, { sid: state.callSid, status: state.status, duration: state.duration === undefined ? null : String(state.duration) });
    }
    if (new RegExp(`^/${apiVersion}/Accounts/[^/]+/Calls\\.json$`).test(requestUrl.pathname) && req.method === "GET") {
      const child = states.get(requestUrl.searchParams.get("ParentCallSid") ?? "")?.child;
      const calls = child
        ? [{ sid: child.callSid, parent_call_sid: requestUrl.searchParams.get("ParentCallSid"), status: child.status, duration: child.duration === undefined ? null : String(child.duration), answered_by: child.answeredBy ?? null }]
        : [];
      return sendJson(res, 200, { calls, page: 0, page_size: 50 });
    }
    const create = new RegExp(`^/${apiVersion}/Accounts/([^/]+)/Calls\\.json$`).exec(requestUrl.pathname);
    if (create && req.method === "POST") return createCall(req, res, decodeURIComponent(create[1]!));
    // Updating a call (Status=completed or canceled) is how a call is hung up.
    const update = new RegExp(`^/${apiVersion}/Accounts/[^/]+/Calls/(CA[0-9a-f]{32})\\.json$`).exec(requestUrl.pathname);
    if (update && req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      const status = new URLSearchParams(Buffer.concat(chunks).toString("utf8")).get("Status");
      hangUps.push({ callSid: update[1]!, status, authorization: req.headers.authorization ?? null });
      return sendJson(res, 200, { sid: update[1], status });
    }
    if (requestUrl.pathname === "/__hang-ups") return sendJson(res, 200, { hangUps });
    if (requestUrl.pathname === "/__calls") {
      const attempt = requestUrl.searchParams.get("attempt");
      return sendJson(res, 200, { calls: calls.filter((c) => attempt === null || c.attempt === attempt) });
    }
    if (req.method !== "POST") return sendJson(res, 404, { error: "no such path" });
    const body = (await readJson(req)) as Record<string, unknown>;
    switch (requestUrl.pathname) {
      case "/__fail-next":
        failures.push(body as Failure);
        return sendJson(res, 200, { ok: true });
      case "/__call-state":
        states.set((body as CallStateRequest).callSid, body as CallStateRequest);
        return sendJson(res, 200, { ok: true });
      case "/__sign":
        return sendJson(res, 200, sign(body as { url: string; params?: Record<string, string>; json?: string }));
      case "/__callbacks":
        return sendJson(res, 200, statusCallbacks(body as CallbacksRequest));
      case "/__twiml":
        return sendJson(res, 200, twimlRequest(recorded(body.attempt as string)));
      case "/__gather":
        return sendJson(res, 200, gatherRequest(recorded(body.attempt as string), body.url as string, body.digits as string | undefined));
      case "/__answered":
        return sendJson(res, 200, answeredRequest(body.attempt as string, body.url as string, body.answeredBy as string, body.to as string | undefined));
      case "/__recording":
        return sendJson(res, 200, recordingCallback(recorded(body.attempt as string), (body.status as string | undefined) ?? "completed"));
    }
    return sendJson(res, 404, { error: "no such path" });
  }

  async function createCall(req: IncomingMessage, res: ServerResponse, pathSid: string) {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
    const authorized = req.headers.authorization === expected && pathSid === accountSid;
    const attempt = attemptOf(form.get("Url"));
    const call: RecordedCall = { sid: "", attempt, accountSid: pathSid, authorized, params: [...form], answered: 201 };
    calls.push(call);
    const fail = (status: number, code: number, message: string) => {
      call.answered = status;
      sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    };
    if (!authorized) return fail(401, 20003, "Authenticate");
    const failure = failures.findIndex((f) => f.attempt === undefined || f.attempt === attempt);
    if (failure !== -1) {
      const [f] = failures.splice(failure, 1);
      return fail(f!.status, f!.code, f!.message);
    }
    if (!form.get("To")) return fail(400, 21201, "No 'To' number is specified");
    if (!form.get("From")) return fail(400, 21603, "A 'From' phone number is required.");
    if (!form.get("Url")) return fail(400, 21205, "Url parameter is required.");
    call.sid = sid("CA");
    const now = new Date().toUTCString().replace("GMT", "+0000");
    sendJson(res, 201, {
      sid: call.sid,
      account_sid: accountSid,
      api_version: apiVersion,
      status: "queued",
      direction: "outbound-api",
      to: form.get("To"),
      from: form.get("From"),
      parent_call_sid: null,
      date_created: now,
      date_updated: now,
      start_time: null,
      end_time: null,
      duration: null,
      price: null,
      price_unit: "USD",
      uri: `/${apiVersion}/Accounts/${accountSid}/Calls/${call.sid}.json`,
    });
  }

  function recorded(attempt: string): RecordedCall & { form: URLSearchParams } {
    const call = calls.findLast((c) => c.attempt === attempt && c.sid !== "");
    if (!call) throw new Error(`no call was placed for ${attempt}`);
    return { ...call, form: new URLSearchParams(call.params) };
  }

  function signed(target: string, params: Record<string, string>, extra: Partial<ReadyRequest> = {}): ReadyRequest {
    return {
      url: target,
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio.getExpectedTwilioSignature(authToken, target, params),
        "I-Twilio-Idempotency-Token": randomUUID(),
        "User-Agent": "TwilioProxy/1.1",
      },
      body: new URLSearchParams(params).toString(),
      ...extra,
    };
  }

  function sign({ url: target, params, json }: { url: string; params?: Record<string, string>; json?: string }) {
    if (json === undefined) return { url: target, signature: twilio.getExpectedTwilioSignature(authToken, target, params ?? {}) };
    const withHash = `${target}${target.includes("?") ? "&" : "?"}bodySHA256=${twilio.getExpectedBodyHash(json)}`;
    return { url: withHash, signature: twilio.getExpectedTwilioSignature(authToken, withHash, {}) };
  }

  function statusCallbacks(ask: CallbacksRequest) {
    const call = recorded(ask.attempt);
    const agentLeg = ask.leg === "agent";
    let callSid = call.sid;
    if (!agentLeg) {
      if (!leadCalls.has(ask.attempt)) leadCalls.set(ask.attempt, sid("CA"));
      callSid = leadCalls.get(ask.attempt)!;
    }
    const target = ask.url ?? (agentLeg ? call.form.get("StatusCallback") : null);
    if (!target) throw new Error("the lead leg's status callback URL (from the TwiML) is needed");
    const from = call.form.get("From")!;
    const to = agentLeg ? call.form.get("To")! : (ask.to ?? "+15005550001");
    const requests = (ask.statuses ?? callStatuses).map((status, sequence) => {
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: apiVersion,
        CallSid: callSid,
        CallStatus: status,
        CallbackSource: "call-progress-events",
        Called: to,
        Caller: from,
        Direction: agentLeg ? "outbound-api" : "outbound-dial",
        From: from,
        To: to,
        SequenceNumber: String(sequence),
        Timestamp: new Date().toUTCString().replace("GMT", "+0000"),
      };
      if (!agentLeg) params.ParentCallSid = call.sid;
      if (!["initiated", "ringing", "in-progress"].includes(status)) {
        const seconds = ask.durationSeconds ?? (status === "completed" ? 42 : 0);
        Object.assign(params, { CallDuration: String(seconds), Duration: String(Math.ceil(seconds / 60)), SipResponseCode: status === "completed" ? "200" : "487" });
      }
      return signed(target, params, { status, sequence });
    });
    return { callSid, requests: ordered(requests, ask.order ?? "in-order") };
  }

  function twimlRequest(call: RecordedCall & { form: URLSearchParams }): ReadyRequest {
    const from = call.form.get("From")!;
    const to = call.form.get("To")!;
    const params = { AccountSid: accountSid, ApiVersion: apiVersion, CallSid: call.sid, CallStatus: "in-progress", Called: to, Caller: from, Direction: "outbound-api", From: from, To: to };
    return signed(call.form.get("Url")!, params);
  }

  // Twilio posts a <Gather>'s action on the agent's call, with the keys pressed (an empty Digits
  // when none were and actionOnEmptyResult is set).
  function gatherRequest(call: RecordedCall & { form: URLSearchParams }, target: string, digits: string | undefined): ReadyRequest {
    const from = call.form.get("From")!;
    const to = call.form.get("To")!;
    const params = { AccountSid: accountSid, ApiVersion: apiVersion, CallSid: call.sid, CallStatus: "in-progress", Called: to, Caller: from, Direction: "outbound-api", From: from, To: to, Digits: digits ?? "", FinishedOnKey: "" };
    return signed(target, params);
  }

  // Twilio requests a <Number url> on the lead's call once it is answered and the detection has its verdict.
  function answeredRequest(attempt: string, target: string, answeredBy: string, to = "+15005550001"): ReadyRequest {
    const call = recorded(attempt);
    if (!leadCalls.has(attempt)) leadCalls.set(attempt, sid("CA"));
    const from = call.form.get("From")!;
    const params = {
      AccountSid: accountSid,
      ApiVersion: apiVersion,
      CallSid: leadCalls.get(attempt)!,
      ParentCallSid: call.sid,
      CallStatus: "in-progress",
      Called: to,
      Caller: from,
      Direction: "outbound-dial",
      From: from,
      To: to,
      AnsweredBy: answeredBy,
      MachineDetectionDuration: "2300",
    };
    return signed(target, params);
  }

  function recordingCallback(call: RecordedCall & { form: URLSearchParams }, status: string): ReadyRequest {
    const target = call.form.get("RecordingStatusCallback");
    if (!target) throw new Error(`the call for ${call.attempt} was not recorded`);
    const recordingSid = sid("RE");
    const params: Record<string, string> = {
      AccountSid: accountSid,
      CallSid: call.sid,
      RecordingSid: recordingSid,
      RecordingStatus: status,
      RecordingSource: "OutboundAPI",
      RecordingChannels: "1",
      RecordingStartTime: new Date().toUTCString().replace("GMT", "+0000"),
    };
    if (status === "completed") {
      Object.assign(params, { RecordingUrl: `${url}/${apiVersion}/Accounts/${accountSid}/Recordings/${recordingSid}`, RecordingDuration: "42" });
    }
    return signed(target, params, { status });
  }

  return { url, bindings, calls, close: () => closeServer(server) };
}

function ordered(requests: ReadyRequest[], order: CallbackOrder): ReadyRequest[] {
  if (order === "out-of-order") {
    const ringing = requests.filter((r) => r.status === "ringing");
    return [...requests.filter((r) => r.status !== "ringing"), ...ringing];
  }
  if (order === "duplicated") return requests.flatMap((r, i) => (i === 0 ? [r] : [r, requests[i - 1]!])).concat(requests.slice(-1));
  return requests;
}

function attemptOf(twimlUrl: string | null): string | null {
  try {
    return twimlUrl ? new URL(twimlUrl).searchParams.get("attempt") : null;
  } catch {
    return null;
  }
}

const sid = (prefix: string) => prefix + randomBytes(16).toString("hex");

/** Global setup: the fake Twilio, for both test projects; its bindings go to the Worker's. */
export default async function setup(project: TestProject) {
  const fake = await startFakeTwilio();
  project.provide("fakeTwilio", { url: fake.url, bindings: fake.bindings });
  return () => fake.close();
}
