import type { Env } from "../env.ts";
import type { PlaceCall, Telephony } from "./telephony.ts";
import { type AttemptStatus, attemptStatusOf, type CallState } from "../../schemas/telephony.ts";

// Twilio through its REST API and fetch: the Node SDK does not run in a Worker, and one form POST
// is all a call takes. https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
// Its settings (TWILIO_*) are read here and by its own routes (functions/telephony/), nowhere else.
// Its status updates come back through those routes, not through the StatusSink it is offered.

// The agent's phone rings this long. Short enough that the agent's voicemail (which usually picks
// up after about 25 s) does not answer the call and leave the lead bridged into a mailbox; a
// missed agent is then a no-answer, and the next agent can be tried.
export const agentRingSeconds = 20;
const requestTimeoutMs = 10_000;

/** Twilio refused the call, or did not answer. `code` is Twilio's error code when it gave one. */
export class TwilioError extends Error {
  override name = "TwilioError";
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: number | null,
  ) {
    super(message);
  }
}

export function twilioTelephony(env: Env): Telephony<"twilio"> {
  return {
    name: "twilio",
    callerId: env.TWILIO_CALLER_ID ?? null,
    placeCall: (call) => placeCall(env, call),
    endCall: (callId) => endCall(env, callId),
    callState: (callId) => callState(env, callId),
  };
}

/** The URL of one of our Twilio routes, as Twilio is told it and signs it. */
export function twilioRouteUrl(publicUrl: string, route: "status" | "twiml" | "accept" | "lead" | "recording", query: Record<string, string>): string {
  return `${publicUrl.replace(/\/+$/, "")}/telephony/twilio/${route}?${new URLSearchParams(query)}`;
}

async function placeCall(env: Env, call: PlaceCall): Promise<{ callId: string }> {
  const { PUBLIC_URL: publicUrl, TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken } = env;
  if (!publicUrl || !accountSid || !authToken) {
    const missing = Object.entries({ PUBLIC_URL: publicUrl, TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken })
      .filter(([, value]) => !value)
      .map(([name]) => name);
    throw new Error(`Twilio is not configured: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set`);
  }
  const attempt = { attempt: call.attemptId };
  const form = new URLSearchParams({
    To: call.agentPhone,
    // The workspace's number, else the deployment's; the agent's own as a last resort, which
    // Twilio accepts only if it is verified on the account.
    From: call.callerId ?? env.TWILIO_CALLER_ID ?? call.agentPhone,
    Url: twilioRouteUrl(publicUrl, "twiml", attempt),
    Method: "POST",
    StatusCallback: twilioRouteUrl(publicUrl, "status", { ...attempt, leg: "agent" }),
    StatusCallbackMethod: "POST",
    Timeout: String(agentRingSeconds),
  });
  for (const event of ["initiated", "ringing", "answered", "completed"]) form.append("StatusCallbackEvent", event);
  if (call.record) {
    form.set("Record", "true");
    form.set("RecordingStatusCallback", twilioRouteUrl(publicUrl, "recording", attempt));
    form.set("RecordingStatusCallbackMethod", "POST");
  }

  const endpoint = `${env.TWILIO_API_BASE.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Calls.json`;
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: { Authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: form.toString(),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new TwilioError(timedOut ? `Twilio did not answer within ${requestTimeoutMs / 1000} s` : "Twilio could not be reached", null, null);
  }
  const body = (await res.json().catch(() => null)) as { sid?: unknown; code?: unknown; message?: unknown } | null;
  if (!res.ok) {
    const code = typeof body?.code === "number" ? body.code : null;
    // Twilio's message never quotes the token, but the error ends up stored and logged: make sure.
    const message = typeof body?.message === "string" ? body.message.replaceAll(authToken, "[redacted]") : res.statusText || "no message";
    throw new TwilioError(`Twilio refused the call (HTTP ${res.status}${code === null ? "" : `, code ${code}`}): ${message}`, res.status, code);
  }
  if (typeof body?.sid !== "string" || body.sid === "") throw new TwilioError(`Twilio answered HTTP ${res.status} without a call sid`, res.status, null);
  return { callId: body.sid };
}

/**
 * Ends a call: "completed" hangs up a call in progress, "canceled" stops one still queued or
 * ringing; Twilio refuses the one that does not fit the call's state, so both are tried.
 */
async function endCall(env: Env, callId: string): Promise<void> {
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken } = env;
  if (!accountSid || !authToken) throw new Error("Twilio is not configured");
  const endpoint = `${env.TWILIO_API_BASE.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Calls/${encodeURIComponent(callId)}.json`;
  for (const status of ["completed", "canceled"]) {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { Authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ Status: status }).toString(),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    await res.arrayBuffer();
    if (res.ok) return;
  }
  throw new TwilioError(`Twilio would not end call ${callId}`, null, null);
}

type TwilioCall = { sid?: unknown; status?: unknown; duration?: unknown; answered_by?: unknown };

/**
 * How a call went, by Twilio's own record: the agent's call (GET …/Calls/{sid}.json) and the
 * lead's, the call it spawned through <Dial> (GET …/Calls.json?ParentCallSid={sid}). A 404 for a
 * call Twilio gave us the sid of is "unknown": no word on how it went. Anything else short of an
 * answer (an outage, a timeout) is null, and the cron asks again later.
 * https://www.twilio.com/docs/voice/api/call-resource#fetch-a-call-resource
 */
async function callState(env: Env, callId: string): Promise<CallState | null> {
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken } = env;
  if (!accountSid || !authToken) return null;
  const base = `${env.TWILIO_API_BASE.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}`;
  const get = async (url: string): Promise<{ status: number; body: unknown } | null> => {
    try {
      const res = await fetch(url, { headers: { Authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}`, Accept: "application/json" }, signal: AbortSignal.timeout(requestTimeoutMs) });
      return { status: res.status, body: res.ok ? ((await res.json()) as unknown) : null };
    } catch {
      return null;
    }
  };
  const [agent, children] = await Promise.all([get(`${base}/Calls/${encodeURIComponent(callId)}.json`), get(`${base}/Calls.json?${new URLSearchParams({ ParentCallSid: callId })}`)]);
  if (agent?.status === 404) return "unknown";
  const call = agent?.body as TwilioCall | null | undefined;
  const agentStatus = typeof call?.status === "string" ? attemptStatusOf(call.status) : null;
  const spawned = (children?.body as { calls?: unknown } | null | undefined)?.calls;
  if (!agentStatus || !Array.isArray(spawned)) return null;
  const lead = (spawned as TwilioCall[])
    .map((c) => ({
      callId: c.sid,
      status: typeof c.status === "string" ? attemptStatusOf(c.status) : null,
      durationSeconds: seconds(c.duration),
      answeredBy: typeof c.answered_by === "string" ? c.answered_by : null,
    }))
    .find((c): c is { callId: string; status: AttemptStatus; durationSeconds: number | null; answeredBy: string | null } => typeof c.callId === "string" && c.status !== null);
  return { agent: { status: agentStatus, durationSeconds: seconds(call?.duration) }, lead: lead ?? null };
}

/** Twilio writes durations as strings of whole seconds, or null while a call runs. */
function seconds(value: unknown): number | null {
  const n = typeof value === "string" || typeof value === "number" ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : null;
}
