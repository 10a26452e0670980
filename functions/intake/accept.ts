import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { findDomain } from "../../db/queries/domains.ts";
import { intakeContext, type IntakeContext } from "../../db/queries/intake-context.ts";
import { writeIntake, type IntakeInput, type IntakeResult } from "../../db/queries/intake.ts";
import type { ConsentInput } from "../../schemas/compliance.ts";
import { recheckAt, schedule } from "../compliance/decide.ts";
import { factsFrom } from "../compliance/facts.ts";
import { ApiError } from "../lib/errors.ts";
import { loggable } from "../lib/log-error.ts";
import { newId } from "../../schemas/ids.ts";
import { hashKey } from "../lib/keys.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { toE164 } from "../../schemas/phone.ts";
import { dialCallback } from "../calls/dial.ts";
import { queueDial } from "../calls/queue-dial.ts";
import { defaultCallbacksPerPhonePerHour, enforceLimits } from "../lib/ratelimit.ts";

// The path every intake request takes, whichever seed API it came through: normalise the phone,
// count the request against the rate limits while reading what scheduling needs (the domain's
// hours, the lead's zone and recent calls), check consent where the domain requires it, decide
// the callback's first lawful moment, write lead, form response, consent, callback and events in
// one statement, then hand the events to the queue.

export type Intake = {
  domainId: string | null;
  agentId: string | null;
  phone: { raw: string; field: string; country?: string | null };
  phone2?: { raw: string; field: string } | null;
  lead: { name: string | null; email: string | null; timezone: string | null; customFields: Record<string, unknown> };
  formResponse?: Omit<NonNullable<IntakeInput["formResponse"]>, "id" | "fingerprint"> | null;
  callback:
    | (Omit<NonNullable<IntakeInput["callback"]>, "id" | "fingerprint" | "sourceId" | "nextAttemptAt" | "hold"> & { sourceId?: string | null })
    | null;
  /** The consent record sent with the request, and the field a missing one is reported on. */
  consent: { record: ConsentInput | null; field: string };
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

  const reading = intakeContext(c.var.db, owner, intake.domainId, phone);
  reading.catch(() => undefined); // awaited below; a limit refusal must not leave it unhandled
  let callback = intake.callback;
  try {
    const perHour = caller.agent?.callbacksPerPhonePerHour ?? caller.workspace.callbacksPerPhonePerHour ?? defaultCallbacksPerPhonePerHour;
    await enforceLimits(c, callback ? { phone, perHour } : undefined);
  } catch (err) {
    const phoneBlocked = err instanceof ApiError && err.facts.policy === "phone";
    if (!phoneBlocked || intake.phoneLimit === "reject") throw err;
    callback = null;
  }
  const context = await reading;
  if (intake.domainId && !context.domain) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
  requireConsent(context, intake.consent);

  const fingerprint = await hashKey(JSON.stringify([intake.callback?.source, intake.domainId, phone, intake.fingerprintOf]));
  const consent = intake.consent.record;
  const result = await writeIntake(c.var.db, {
    owner,
    domainId: intake.domainId,
    agentId: intake.agentId,
    lead: { id: newId("lead"), phone, phoneRaw: intake.phone.raw, phone2, country, ...intake.lead },
    formResponse: intake.formResponse ? { id: newId("formResponse"), fingerprint, ...intake.formResponse } : null,
    callback: callback ? { id: newId("callback"), fingerprint, sourceId: null, ...callback, ...firstLawfulMoment(c, context, phone, callback) } : null,
    consent: consent
      ? {
          id: newId("consent"),
          source: intake.formResponse ? "form_response" : callback?.source === "add_call_api" ? "add_call_api" : "api",
          text: consent.text,
          textSha256: await hashKey(consent.text),
          version: consent.version ?? null,
          checked: consent.checked,
          pageUrl: consent.page_url ?? null,
          ipAddress: c.req.header("cf-connecting-ip") ?? null,
          userAgent: c.req.header("user-agent")?.slice(0, 1024) ?? null,
        }
      : null,
    eventIds: { formResponse: newId("event"), lead: newId("event"), callback: newId("event") },
  });
  if (!result.domainFound) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
  if (!result.agentFound) throw new ApiError("not_found", `No agent ${intake.agentId}`, { facts: { field: "agent_id" } });
  publishAfterCommit(c.env, c.executionCtx, result.eventIds.map((id) => ({ id })));
  if (result.callback && c.env.DIALLER_ENABLED) startDialling(c, String(result.callback.id), String(result.callback.next_attempt_at));
  return { ...result, callbackScheduled: result.callback !== null, phone };
}

/**
 * When the callback may first ring, decided as the dialler will decide it, so the 201 says what
 * will happen. A callback due now keeps the database's now() (null here): a Worker's clock a
 * little ahead of the database's must not leave it "not yet due" for the fast path.
 */
function firstLawfulMoment(c: Context<AppEnv>, context: IntakeContext, phone: string, callback: NonNullable<Intake["callback"]>) {
  const { workspace } = c.var.caller;
  const now = new Date();
  const notBefore = callback.scheduledAt ? new Date(callback.scheduledAt) : null;
  const verdict = schedule(
    factsFrom({
      phone,
      explicitZone: callback.timezone ?? context.lead?.timezone ?? null,
      domain: context.domain,
      workspace: { timezone: workspace.timezone, callingHoursStart: workspace.callingHoursStart, callingHoursEnd: workspace.callingHoursEnd },
      recentAttempts: context.lead?.recent_attempts ?? [],
      notBefore,
    }),
    now,
  );
  const at = verdict.hold ? recheckAt(verdict) : notBefore;
  return { nextAttemptAt: at ? at.toISOString() : null, hold: verdict.hold };
}

function requireConsent(context: IntakeContext, consent: Intake["consent"]): void {
  if (!context.domain?.require_consent) return;
  if (!consent.record) {
    throw new ApiError("validation_failed", `${consent.field} is required: this domain requires the lead's consent`, {
      issues: [{ path: consent.field, message: "is required: this domain requires a consent record", missing: true }],
    });
  }
  if (!consent.record.checked) {
    const path = consent.field.endsWith("_text") ? consent.field.replace(/_text$/, "_checked") : `${consent.field}.checked`;
    throw new ApiError("validation_failed", `${path} must be true: this domain requires the lead's consent`, {
      issues: [{ path, message: "must be true: this domain requires the lead's consent" }],
    });
  }
}

// Speed to lead: a callback due now is dialled as soon as the response is on its way, not when
// a queue or the cron gets to it; those remain the durable path if this one fails.
function startDialling(c: Context<AppEnv>, callbackId: string, nextAttemptAt: string): void {
  const at = new Date(nextAttemptAt);
  const work = at.getTime() <= Date.now() + 1000 ? dialCallback(c.env, c.executionCtx, callbackId) : queueDial(c.env, callbackId, at);
  c.executionCtx.waitUntil(work.catch((err) => console.error(`dialler: callback ${callbackId} could not start; the cron will retry`, loggable(err))));
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
// then is the domain read ahead of the rest.
async function domainCountry(c: Context<AppEnv>, intake: Intake): Promise<string | null> {
  if (intake.phone.raw.trim().startsWith("+") || !intake.domainId) return null;
  const { caller } = c.var;
  const domain = await findDomain(c.var.db, { workspaceId: caller.workspace.id, mode: caller.mode }, intake.domainId);
  if (!domain) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
  return domain.defaultCountry;
}
