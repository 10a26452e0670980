import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { findDomain } from "../../db/queries/domains.ts";
import { writeIntake, type IntakeInput, type IntakeResult } from "../../db/queries/intake.ts";
import { ApiError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { hashKey } from "../lib/keys.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { toE164 } from "../lib/phone.ts";
import { dialCallback } from "../calls/dial.ts";
import { queueDial } from "../calls/queue-dial.ts";
import { defaultCallbacksPerPhonePerHour, enforceLimits } from "../lib/ratelimit.ts";

// The path every intake request takes, whichever seed API it came through: normalise the phone,
// count the request against the rate limits, write lead, form response, callback and events in
// one statement, then hand the events to the queue.

export type Intake = {
  domainId: string | null;
  agentId: string | null;
  phone: { raw: string; field: string; country?: string | null };
  phone2?: { raw: string; field: string } | null;
  lead: { name: string | null; email: string | null; timezone: string | null; customFields: Record<string, unknown> };
  formResponse?: Omit<NonNullable<IntakeInput["formResponse"]>, "id" | "fingerprint"> | null;
  callback: (Omit<NonNullable<IntakeInput["callback"]>, "id" | "fingerprint" | "sourceId"> & { sourceId?: string | null }) | null;
  // What a per-phone limit stops: the whole request (an explicit call request), or only the
  // callback (a form response is still stored).
  phoneLimit: "reject" | "skip-callback";
  // What makes two requests "identical" for the ten-minute de-duplication, beside the phone.
  fingerprintOf: unknown;
};

export type Accepted = IntakeResult & { callbackScheduled: boolean; phone: string };

export async function acceptIntake(c: Context<AppEnv>, intake: Intake): Promise<Accepted> {
  const { caller } = c.var;
  const owner = { workspaceId: caller.workspace.id, mode: caller.mode };
  const country = intake.phone.country ?? (await domainCountry(c, intake));
  const phone = normalise(intake.phone.raw, country, intake.phone.field);
  const phone2 = intake.phone2 ? normalise(intake.phone2.raw, country, intake.phone2.field) : null;

  let callback = intake.callback;
  try {
    const perHour = caller.agent?.callbacksPerPhonePerHour ?? caller.workspace.callbacksPerPhonePerHour ?? defaultCallbacksPerPhonePerHour;
    await enforceLimits(c, callback ? { phone, perHour } : undefined);
  } catch (err) {
    const phoneBlocked = err instanceof ApiError && err.facts.policy === "phone";
    if (!phoneBlocked || intake.phoneLimit === "reject") throw err;
    callback = null;
  }

  const fingerprint = await hashKey(JSON.stringify([intake.callback?.source, intake.domainId, phone, intake.fingerprintOf]));
  const result = await writeIntake(c.var.db, {
    owner,
    domainId: intake.domainId,
    agentId: intake.agentId,
    lead: { id: newId("lead"), phone, phoneRaw: intake.phone.raw, phone2, country, ...intake.lead },
    formResponse: intake.formResponse ? { id: newId("formResponse"), fingerprint, ...intake.formResponse } : null,
    callback: callback ? { id: newId("callback"), fingerprint, sourceId: null, ...callback } : null,
    eventIds: { formResponse: newId("event"), lead: newId("event"), callback: newId("event") },
  });
  if (!result.domainFound) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
  if (!result.agentFound) throw new ApiError("not_found", `No agent ${intake.agentId}`, { facts: { field: "agent_id" } });
  publishAfterCommit(c.env, c.executionCtx, result.eventIds.map((id) => ({ id })));
  if (result.callback && c.env.DIALLER_ENABLED) startDialling(c, String(result.callback.id), String(result.callback.next_attempt_at));
  return { ...result, callbackScheduled: result.callback !== null, phone };
}

// Speed to lead: a callback due now is dialled as soon as the response is on its way, not when
// a queue or the cron gets to it; those remain the durable path if this one fails.
function startDialling(c: Context<AppEnv>, callbackId: string, nextAttemptAt: string): void {
  const at = new Date(nextAttemptAt);
  const work = at.getTime() <= Date.now() + 1000 ? dialCallback(c.env, c.executionCtx, callbackId) : queueDial(c.env, callbackId, at);
  c.executionCtx.waitUntil(work.catch((err) => console.error(`dialler: callback ${callbackId} could not start; the cron will retry`, err)));
}

function normalise(raw: string, country: string | null, field: string): string {
  const phone = toE164(raw, country ?? undefined);
  if (!phone) {
    throw new ApiError("validation_failed", `${field} is not a phone number`, {
      issues: [{ path: field, message: "is not a valid phone number; use international format, e.g. +14155550100" }],
    });
  }
  return phone;
}

// A national number ("0412 345 678") needs a country: the request's, else the domain's. Only
// then is the domain read ahead of the write.
async function domainCountry(c: Context<AppEnv>, intake: Intake): Promise<string | null> {
  if (intake.phone.raw.trim().startsWith("+") || !intake.domainId) return null;
  const { caller } = c.var;
  const domain = await findDomain(c.var.db, { workspaceId: caller.workspace.id, mode: caller.mode }, intake.domainId);
  if (!domain) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
  return domain.defaultCountry;
}
