import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { expect, inject } from "vitest";
import { callAttempts, callbacks, type domains, leads } from "../../db/schema/index.ts";
import type { BusinessHours } from "../../db/schema/domains.ts";
import { dialCallback } from "../../functions/calls/dial.ts";
import { newId } from "../../schemas/ids.ts";
import type { CallbacksRequest, Failure, ReadyRequest, RecordedCall } from "../setup/fake-twilio-types.ts";
import { db, makeAgent, makeDomain, makeWorkspace, testEnv, zoneAtHour } from "./fixtures.ts";
import { rowsOf } from "./rows.ts";

import "../setup/fake-twilio-types.ts";

// Helpers for the Twilio tests: the fake Twilio's controls (test/setup/fake-twilio.ts), live
// callbacks that may be dialled right now, and Twilio's requests delivered to the Worker.

export const fakeTwilio = () => inject("fakeTwilio");
export const publicUrl = () => fakeTwilio().bindings.PUBLIC_URL;

async function control<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${fakeTwilio().url}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

export const recordedCalls = async (attempt: string) => (await control<{ calls: RecordedCall[] }>(`/__calls?attempt=${attempt}`)).calls;
export const hangUps = async () => (await control<{ hangUps: { callSid: string; status: string | null; authorization: string | null }[] }>("/__hang-ups")).hangUps;
export const failNext = (failure: Failure) => control("/__fail-next", failure);
export const sign = (url: string, params: Record<string, string>) => control<{ signature: string }>("/__sign", { url, params });
export const signJson = (url: string, json: string) => control<{ url: string; signature: string }>("/__sign", { url, json });
export const statusCallbacks = (ask: CallbacksRequest) => control<{ callSid: string; requests: ReadyRequest[] }>("/__callbacks", ask);
export const twimlRequest = (attempt: string) => control<ReadyRequest>("/__twiml", { attempt });
export const recordingCallback = (attempt: string, status = "completed") => control<ReadyRequest>("/__recording", { attempt, status });
export const gatherRequest = (attempt: string, url: string, digits?: string) => control<ReadyRequest>("/__gather", { attempt, url, digits });
export const answeredRequest = (attempt: string, url: string, answeredBy: string, to?: string) => control<ReadyRequest>("/__answered", { attempt, url, answeredBy, to });

/** Sends a request to the Worker as Twilio would, optionally changed on the way. */
export function deliver(request: ReadyRequest, change: { url?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
  return exports.default.fetch(
    new Request(change.url ?? request.url, { method: request.method, headers: change.headers ?? request.headers, body: change.body ?? request.body }),
  );
}

// Any hour of the week in the domain's time zone; the lead's calling hours (8 am to 9 pm) are
// then met by giving the lead a time zone where it is about noon now, and a toll-free number,
// which says nothing of where the lead is (a geographic one would add its own zone's hours).
const always: BusinessHours = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [["00:00", "24:00"]]]));

/** roundRobin: the callback has no agent of its own, and the workspace has two, rung in turn. */
type CallOptions = {
  leadName?: string | null;
  record?: boolean;
  domain?: Partial<typeof domains.$inferInsert>;
  roundRobin?: boolean;
  metadata?: Record<string, unknown>;
};

/** A live callback due now, to an agent of its own, through a domain that may or may not record. */
export async function dueCallback(options: CallOptions = {}) {
  const workspace = await makeWorkspace("Twilio workspace");
  const domain = await makeDomain(workspace.id, "live", { businessHours: always, recordCalls: options.record ?? false, ...options.domain });
  const agent = await makeAgent(workspace.id, "live");
  const second = options.roundRobin ? await makeAgent(workspace.id, "live") : null;
  const owner = { workspaceId: workspace.id, mode: "live" as const };
  const leadId = newId("lead");
  const leadPhone = "+18005550123";
  await db()
    .insert(leads)
    .values({ id: leadId, ...owner, phone: leadPhone, phoneRaw: leadPhone, name: options.leadName === undefined ? "Ada Lovelace" : options.leadName, timezone: zoneAtHour(12), domainId: domain.id });
  const callbackId = newId("callback");
  const now = new Date();
  await db()
    .insert(callbacks)
    .values({
      id: callbackId,
      ...owner,
      leadId,
      domainId: domain.id,
      agentId: options.roundRobin ? null : agent.id,
      source: "api",
      scheduledAt: now,
      nextAttemptAt: new Date(now.getTime() - 1000),
      retryIntervalsSeconds: [120, 600, 1800, 7200],
      metadata: options.metadata ?? {},
    });
  return { workspace, agent, agents: second ? [agent, second] : [agent], leadId, leadPhone, callbackId };
}

/** A due callback, dialled by the lead's dialler: its attempt, and the call the fake Twilio recorded. */
export async function dialedCallback(options: CallOptions = {}) {
  const cb = await dueCallback(options);
  const ctx = createExecutionContext();
  expect(await dialCallback(testEnv(), ctx, cb.callbackId)).toBe("dialed");
  await waitOnExecutionContext(ctx);
  const [attempt] = await attemptsOf(cb.callbackId);
  expect(attempt).toBeDefined();
  const calls = await recordedCalls(attempt!.id);
  expect(calls).toHaveLength(1);
  expect(attempt!.providerCallId).toBe(calls[0]!.sid);
  return { ...cb, attemptId: attempt!.id, callSid: calls[0]!.sid };
}

export const attemptsOf = (callbackId: string) => db().select().from(callAttempts).where(eq(callAttempts.callbackId, callbackId)).orderBy(asc(callAttempts.id));

export async function attemptRow(attemptId: string) {
  const [row] = await db().select().from(callAttempts).where(eq(callAttempts.id, attemptId));
  return row!;
}

/** Everything a status callback could write: the attempt, the callback, events and call logs. */
export async function written(workspaceId: string, attemptId: string) {
  const { callbacks: cbs, events, callLogs } = await rowsOf(workspaceId);
  return { attempt: await attemptRow(attemptId), callbacks: cbs, events: events.map((e) => e.type), callLogs };
}

/** An attribute of a TwiML element, unescaped, as Twilio reads it. */
export function twimlAttribute(twiml: string, element: string, attribute: string): string {
  const match = new RegExp(`<${element} [^>]*?${attribute}="([^"]+)"`).exec(twiml);
  expect(match, twiml).not.toBeNull();
  return match![1]!.replaceAll("&amp;", "&");
}

/** The lead leg's status callback, as the TwiML gives it to Twilio. */
export const leadStatusCallback = (twiml: string) => twimlAttribute(twiml, "Number", "statusCallback");

/** The agent answers and presses `digits` (none: they let the prompt pass): the TwiML Twilio then runs. */
export async function agentPresses(attemptId: string, digits?: string): Promise<string> {
  const greeting = await (await deliver(await twimlRequest(attemptId))).text();
  const res = await deliver(await gatherRequest(attemptId, twimlAttribute(greeting, "Gather", "action"), digits));
  expect(res.status).toBe(200);
  return res.text();
}

/** The lead's phone is answered, by a person or a machine: the TwiML run on the lead's side. */
export async function leadAnswers(attemptId: string, dialTwiml: string, answeredBy: string, to?: string): Promise<string> {
  const res = await deliver(await answeredRequest(attemptId, twimlAttribute(dialTwiml, "Number", "url"), answeredBy, to));
  expect(res.status).toBe(200);
  return res.text();
}
