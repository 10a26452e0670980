import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { findDomain } from "../../db/queries/domains.ts";
import { type DomainContext, intakeContext, type IntakeContext } from "../../db/queries/intake-context.ts";
import { writeIntake, type IntakeInput, type IntakeResult } from "../../db/queries/intake.ts";
import type { ConsentInput } from "../../schemas/compliance.ts";
import { recheckAt, schedule } from "../compliance/decide.ts";
import { factsFrom } from "../compliance/facts.ts";
import { ApiError } from "../lib/errors.ts";
import { answeredElsewhere } from "../lib/idempotency.ts";
import { loggable } from "../lib/log-error.ts";
import { newId } from "../../schemas/ids.ts";
import { hashKey } from "../lib/keys.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { toE164 } from "../../schemas/phone.ts";
import { dialCallback } from "../calls/dial.ts";
import { queueDial } from "../calls/queue-dial.ts";
import { defaultCallbacksPerPhonePerHour, enforceLimits } from "../lib/ratelimit.ts";
import { rememberDomain, rememberedDomain } from "./domain-cache.ts";

// The path every intake request takes, whichever seed API it came through: normalise the phone,
// count the request against the rate limits (one round trip to Redis, which also confirms a
// cached key is not revoked), check consent where the domain requires it, decide the callback's
// first lawful moment, and write lead, form response, consent, callback and events in one
// statement (one round trip to PostgreSQL), then hand the events to the queue.
//
// The decision needs the domain's hours, the lead's zone and recent calls and the workspace's
// calling hours. Where this isolate has seen the domain lately (domain-cache.ts) they are not read
// first: the decision is made on the remembered domain, a lead with no history and the workspace
// as the key lookup read it, and the write checks all three in its own snapshot, writing nothing
// if any differs; the decision is then made again on what it saw, and the write sent again. A new
// domain is read beside the rate limit, as before.

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

/**
 * `counted` is set when the request starts over (the domain's country changed under a national
 * number): its limits were counted on the first pass, whose verdict on the callback `intake`
 * now carries, so it is not counted twice.
 */
export async function acceptIntake(c: Context<AppEnv>, intake: Intake, counted = false): Promise<Accepted> {
  const { caller } = c.var;
  const owner = { workspaceId: caller.workspace.id, mode: caller.mode };
  // Without a domain, or with one this isolate has seen lately, nothing is read before the write:
  // the write confirms the context the decision is made on (db/queries/intake.ts).
  const remembered = intake.domainId ? rememberedDomain(owner, intake.domainId) : null;
  const { country, phone, phone2 } = await phonesOf(c, intake, remembered);

  const reading = remembered === undefined ? intakeContext(c.var.db, owner, intake.domainId, phone) : null;
  reading?.catch(() => undefined); // awaited below; a limit refusal must not leave it unhandled
  let callback = intake.callback;
  const perHour = caller.agent?.callbacksPerPhonePerHour ?? caller.workspace.callbacksPerPhonePerHour ?? defaultCallbacksPerPhonePerHour;
  const claim = c.var.idempotency;
  try {
    const counts = callback ? { phone, perHour } : undefined;
    // With an Idempotency-Key, its in-flight marker rides along (lib/idempotency.ts).
    if (!counted && (await enforceLimits(c, counts, claim?.marker)) && claim) claim.phone = counts;
  } catch (err) {
    const phoneBlocked = err instanceof ApiError && err.facts.policy === "phone";
    // A repeat that the first request's own callback left no room for is still a repeat.
    if (!phoneBlocked || (intake.phoneLimit === "reject" && claim?.marker.won !== false)) throw err;
    callback = null;
  }
  // Another request with this key came first, moments ago: this one does not write, and is
  // answered as that one is, whatever became of it.
  if (claim?.marker.won === false) throw answeredElsewhere(c, null);
  // Read in this request, or assumed: the remembered domain, no lead history, the caller's workspace.
  let context: IntakeContext = reading ? await reading : { domain: remembered ?? null, lead: null, workspace: workspaceOf(caller) };
  let confirmed = reading !== null;
  if (reading) rememberDomain(owner, intake.domainId, context.domain);

  const fingerprint = await hashKey(JSON.stringify([intake.callback?.source, intake.domainId, phone, intake.fingerprintOf]));
  const consent = intake.consent.record;
  const ids = {
    lead: newId("lead"),
    formResponse: newId("formResponse"),
    callback: newId("callback"),
    consent: newId("consent"),
    events: { formResponse: newId("event"), lead: newId("event"), callback: newId("event") },
  };
  const consentRow = consent
    ? {
        id: ids.consent,
        source: intake.formResponse ? ("form_response" as const) : callback?.source === "add_call_api" ? ("add_call_api" as const) : ("api" as const),
        text: consent.text,
        textSha256: await hashKey(consent.text),
        version: consent.version ?? null,
        checked: consent.checked,
        pageUrl: consent.page_url ?? null,
        ipAddress: c.req.header("cf-connecting-ip") ?? null,
        userAgent: c.req.header("user-agent")?.slice(0, 1024) ?? null,
      }
    : null;
  for (let tries = 1; ; tries++) {
    if (intake.domainId && !context.domain) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
    const refusal = consentRefusal(context, intake.consent);
    if (refusal && !confirmed) {
      // A remembered domain asks for consent: make sure it still does before refusing.
      context = await intakeContext(c.var.db, owner, intake.domainId, phone);
      rememberDomain(owner, intake.domainId, context.domain);
      confirmed = true;
      continue;
    }
    if (refusal) throw refusal;
    const result = await writeIntake(c.var.db, {
      owner,
      domainId: intake.domainId,
      agentId: intake.agentId,
      lead: { id: ids.lead, phone, phoneRaw: intake.phone.raw, phone2, country, ...intake.lead },
      formResponse: intake.formResponse ? { id: ids.formResponse, fingerprint, ...intake.formResponse } : null,
      callback: callback ? { id: ids.callback, fingerprint, sourceId: null, ...callback, ...firstLawfulMoment(context, phone, callback) } : null,
      consent: consentRow,
      eventIds: ids.events,
      expected: context,
      claim: claim ?? null,
    });
    rememberDomain(owner, intake.domainId, result.context.domain);
    // Another request holds the Idempotency-Key: nothing was written, and this one is answered
    // as that one was.
    if (claim && !result.keyClaimed && (result.contextOk || result.keyHeld)) throw answeredElsewhere(c, result.keyHeld);
    if (claim && result.keyClaimed) claim.claimed = true;
    if (!result.domainFound) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
    if (!result.agentFound) throw new ApiError("not_found", `No agent ${intake.agentId}`, { facts: { field: "agent_id" } });
    if (!result.contextOk) {
      // The facts changed under the decision (a lead with calls or a zone, a domain's or the
      // workspace's settings): nothing was written. Decide again on what the write saw.
      if (country !== null && !intake.phone.country && result.context.domain?.default_country !== country) {
        // The number itself reads differently in the domain's new country: from the top.
        if (counted) throw new ApiError("unavailable", "The domain changed while this request was taken; try again");
        return acceptIntake(c, { ...intake, callback }, true);
      }
      if (tries >= 3) throw new ApiError("unavailable", "The lead or its domain kept changing while this request was taken; try again");
      context = result.context;
      confirmed = true;
      continue;
    }
    publishAfterCommit(c.env, c.executionCtx, result.eventIds.map((id) => ({ id })));
    if (result.callback && c.env.DIALLER_ENABLED) startDialling(c, String(result.callback.id), String(result.callback.next_attempt_at));
    return { ...result, callbackScheduled: result.callback !== null, phone };
  }
}

/** The workspace's calling settings as the caller's key lookup read them (perhaps from the key cache). */
function workspaceOf(caller: AppEnv["Variables"]["caller"]): IntakeContext["workspace"] {
  const { workspace } = caller;
  return { timezone: workspace.timezone, calling_hours_start: workspace.callingHoursStart, calling_hours_end: workspace.callingHoursEnd };
}

/**
 * When the callback may first ring, decided as the dialler will decide it, so the 201 says what
 * will happen. A callback due now keeps the database's now() (null here): a Worker's clock a
 * little ahead of the database's must not leave it "not yet due" for the fast path.
 */
function firstLawfulMoment(context: IntakeContext, phone: string, callback: NonNullable<Intake["callback"]>) {
  const { workspace } = context;
  const now = new Date();
  const notBefore = callback.scheduledAt ? new Date(callback.scheduledAt) : null;
  const verdict = schedule(
    factsFrom({
      phone,
      explicitZone: callback.timezone ?? context.lead?.timezone ?? null,
      domain: context.domain,
      workspace: { timezone: workspace.timezone, callingHoursStart: workspace.calling_hours_start, callingHoursEnd: workspace.calling_hours_end },
      recentAttempts: context.lead?.recent_attempts ?? [],
      notBefore,
    }),
    now,
  );
  const at = verdict.hold ? recheckAt(verdict) : notBefore;
  return { nextAttemptAt: at ? at.toISOString() : null, hold: verdict.hold };
}

function consentRefusal(context: IntakeContext, consent: Intake["consent"]): ApiError | null {
  if (!context.domain?.require_consent) return null;
  if (!consent.record) {
    return new ApiError("validation_failed", `${consent.field} is required: this domain requires the lead's consent`, {
      issues: [{ path: consent.field, message: "is required: this domain requires a consent record", missing: true }],
    });
  }
  if (!consent.record.checked) {
    const path = consent.field.endsWith("_text") ? consent.field.replace(/_text$/, "_checked") : `${consent.field}.checked`;
    return new ApiError("validation_failed", `${path} must be true: this domain requires the lead's consent`, {
      issues: [{ path, message: "must be true: this domain requires the lead's consent" }],
    });
  }
  return null;
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

/**
 * The phone numbers in E.164. A national number ("0412 345 678") needs a country: the request's,
 * else the domain's, as remembered if this isolate has seen the domain lately (a number that does
 * not read in the remembered country is tried again in the domain's country as it is now), else
 * read ahead of the rest.
 */
async function phonesOf(c: Context<AppEnv>, intake: Intake, remembered: DomainContext | null | undefined) {
  const inCountry = (country: string | null) => ({
    country,
    phone: normalise(intake.phone.raw, country, intake.phone.field),
    phone2: intake.phone2 ? normalise(intake.phone2.raw, country, intake.phone2.field) : null,
  });
  const national = !intake.phone.country && intake.domainId && !intake.phone.raw.trim().startsWith("+");
  if (national && remembered?.default_country) {
    try {
      return inCountry(remembered.default_country);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // not a number there: read the domain's country as it is now, below
    }
  }
  return inCountry(intake.phone.country ?? (await domainCountry(c, intake)));
}

async function domainCountry(c: Context<AppEnv>, intake: Intake): Promise<string | null> {
  if (intake.phone.raw.trim().startsWith("+") || !intake.domainId) return null;
  const { caller } = c.var;
  const domain = await findDomain(c.var.db, { workspaceId: caller.workspace.id, mode: caller.mode }, intake.domainId);
  if (!domain) throw new ApiError("not_found", `No domain ${intake.domainId}`, { facts: { field: "domain_id" } });
  return domain.defaultCountry;
}
