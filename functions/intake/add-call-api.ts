import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { findDomainByWidgetKey } from "../../db/queries/domains.ts";
import { ApiError } from "../lib/errors.ts";
import { brightcall } from "../routes/kinds/brightcall.ts";
import { defineRoute, jsonResponse, type RouteOptions } from "../routes/route.ts";
import type { Issue } from "../../schemas/problem.ts";
import { countryCode, toE164 } from "../../schemas/phone.ts";
import { AddCallAccepted, AddCallParams, consentOf, splitParams } from "../../schemas/brightcall.ts";
import { acceptIntake } from "./accept.ts";
import { rememberedWidgetDomain, rememberWidgetDomain } from "./domain-cache.ts";
import { readParams } from "./add-call-params.ts";
import { requestedCallback } from "./requested-callback.ts";

const path = "/rest/v1/ext/add_call_api/";

const doc = {
  path,
  summary: "Schedule a call (Brightcall add_call_api)",
  description:
    "Seed 003. Parameters in the query string (GET, or POST), a JSON body, or a form body (urlencoded or multipart), " +
    "with or without the trailing slash. Schedules a call to the lead now, whatever the domain's auto-callback " +
    "setting (an explicit API call asks for a call), with the domain's retry settings; the lead is created or updated " +
    "(one per E.164 phone). An identical request within 10 minutes schedules no second call: 200 with status " +
    "\"duplicate\" and the earlier callback, or 409 if that callback was canceled. A phone over its hourly callback " +
    "limit gets 429. The key (scope intake:write; secret, or publishable with its origin check) may come as api_key " +
    "in the query or body; a response to a URL with api_key carries Referrer-Policy: no-referrer. X-Agent-ID assigns " +
    "the callback to that agent. A widget_key of another workspace or mode: 404. Errors: " +
    "{\"success\": false, \"error\": {code, message, fields?}} listing every bad parameter; a body that is not valid " +
    "JSON (e.g. with // comments) is a 400.",
  tags: ["intake"],
  responses: {
    201: jsonResponse("A call was scheduled", AddCallAccepted),
    200: jsonResponse("Duplicate of a request in the last 10 minutes; nothing new scheduled", AddCallAccepted),
  },
};

// The parameters may come from the query, a JSON body or a form, so the handler reads them
// itself (add-call-params.ts); the seed's URL ends in a slash, which hand-typed links often drop.
const options = (errors: RouteOptions["errors"]): RouteOptions => ({
  scope: "intake:write",
  validation: "handler",
  rateLimit: "deferred",
  idempotencyClaim: "in-write",
  aliases: [path.slice(0, -1)],
  errors: {
    404: "Unknown widget_key (including another workspace's or mode's)",
    429: "The phone's hourly callback limit",
    ...errors,
  },
});
const canceled = "An identical call asked for in the last 10 minutes was canceled: none is scheduled until those minutes are over (Retry-After)";

export const addCallApiGet = defineRoute(brightcall, { ...doc, method: "get", request: { query: AddCallParams }, ...options({ 409: canceled }) }, addCall);

export const addCallApiPost = defineRoute(brightcall, {
  ...doc,
  method: "post",
  request: {
    body: {
      required: false, // the parameters may all be in the query string
      content: {
        "application/json": { schema: AddCallParams },
        "application/x-www-form-urlencoded": { schema: AddCallParams },
        "multipart/form-data": { schema: AddCallParams },
      },
    },
  },
  ...options({ 409: `${canceled}; or a request with this Idempotency-Key is still being processed` }),
}, addCall);

async function addCall(c: Context<AppEnv>) {
  const params = await readParams(c);
  const { customFields, agents } = splitParams(params);
  // A publishable key sits in a web page, where anyone can read it and send any Origin from a
  // script: naming the number to ring first would make Ringback bridge two numbers of a
  // stranger's choosing on the workspace's account. Choosing who is rung takes a secret key.
  if (agents.length > 0 && c.var.caller.key.kind === "publishable") {
    throw new ApiError("forbidden", "lc_param_agentNN… names who is rung first: a secret key is required for it");
  }
  const country = countryCode(params.country) ?? null; // "UK" → "GB"
  // Only a national number needs the domain's country; otherwise the domain is known by its widget key alone.
  const national = [params.lc_number, params.lc_number_2, ...agents.map((a) => a.phone.replace(/^00/, "+"))].some((p) => p !== undefined && !p.trim().startsWith("+"));
  const domain = await callerDomain(c, params.widget_key, country === null && national);
  const readIn = country ?? domain.defaultCountry;

  const issues: Issue[] = [];
  const check = (phone: string | null, field: string) => {
    if (!phone) issues.push({ path: field, message: "is not a valid phone number; use international format, e.g. +14155550100" });
    return phone;
  };
  check(toE164(params.lc_number, readIn ?? undefined), "lc_number");
  const phone2 = params.lc_number_2 === undefined ? null : check(toE164(params.lc_number_2, readIn ?? undefined), "lc_number_2");
  const agentPhones = agents.map((agent) => check(agentPhone(agent.phone, readIn), agent.field));
  if (issues.length > 0) throw new ApiError("validation_failed", "Invalid phone numbers", { issues });

  // Several lc_param_agentNN pairs: the lowest NN is dialed (Brightcall documents no order).
  const [agent] = agents;
  const [overridePhone] = agentPhones;
  const agentOverride = agent && overridePhone ? { name: agent.name, phone: overridePhone } : null;
  const fingerprintOf = { name: params.lc_param_name, email: params.lc_param_email, phone2, country, customFields, agentOverride };
  const result = await acceptIntake(c, {
    domainId: domain.id,
    agentId: c.var.caller.agent?.id ?? null,
    // A national number is read in the request's country, else the domain's; the lead records the one used.
    phone: { raw: params.lc_number, field: "lc_number", country: country ?? (params.lc_number.startsWith("+") ? null : domain.defaultCountry) },
    phone2: phone2 ? { raw: phone2, field: "lc_number_2" } : null,
    lead: { name: params.lc_param_name ?? null, email: params.lc_param_email ?? null, timezone: null, customFields },
    formResponse: null,
    callback: {
      source: "add_call_api",
      agentOverride,
      scheduledAt: null,
      timezone: null,
      metadata: params.lc_param_message === undefined ? {} : { message: params.lc_param_message },
      maxAttempts: null,
      retryIntervalsSeconds: null,
      onlyIfDomainAutoCallback: false,
    },
    consent: { record: consentOf(params), field: "lc_param_consent_text" },
    phoneLimit: "reject",
    fingerprintOf,
  });

  const { callback, duplicate } = requestedCallback(result);
  const body = AddCallAccepted.parse({
    success: true,
    status: duplicate ? "duplicate" : "scheduled",
    message: duplicate ? "An identical request in the last 10 minutes already scheduled this call; no second call was scheduled" : "Call scheduled",
    callback_id: callback.id,
    lead_id: result.lead?.id,
    phone: result.phone,
    scheduled_at: callback.scheduled_at,
    next_attempt_at: callback.next_attempt_at,
    hold: callback.hold,
    agent: callback.agent_override,
  });
  return duplicate ? c.json(body, 200) : c.json(body, 201);
}

/** An agent's phone "with trailing zero or without": national with or without its 0, 00 or + international, or bare digits. */
function agentPhone(raw: string, country: string | null): string | null {
  const text = raw.replace(/^00/, "+");
  const phone = toE164(text, country ?? undefined);
  if (phone) return phone;
  const digits = text.replace(/[\s().-]/g, "");
  return /^\d+$/.test(digits) ? toE164(`+${digits}`) : null;
}

/** The caller's domain with this widget key: its id, and its country if `needsCountry` (read then). */
async function callerDomain(c: Context<AppEnv>, widgetKey: string, needsCountry: boolean): Promise<{ id: string; defaultCountry: string | null }> {
  const { workspace, mode } = c.var.caller;
  const remembered = needsCountry ? undefined : rememberedWidgetDomain(widgetKey);
  const domain = remembered ? { ...remembered, defaultCountry: null } : await findDomainByWidgetKey(c.var.db, widgetKey);
  if (domain && !remembered) rememberWidgetDomain(widgetKey, domain);
  // The same answer whether the key is unknown or another workspace's or mode's: nothing to probe.
  if (!domain || domain.workspaceId !== workspace.id || domain.mode !== mode) {
    throw new ApiError("not_found", "Unknown widget_key", { facts: { field: "widget_key" } });
  }
  return domain;
}
