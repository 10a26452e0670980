import type { Context, MiddlewareHandler } from "hono";
import type { App, AppEnv } from "../context.ts";
import { findDomainByWidgetKey } from "../../db/queries/domains.ts";
import { requireKey } from "../lib/auth.ts";
import { checkValue, isJsonType, limitBody, parseJson } from "../lib/body.ts";
import { browserCors } from "../lib/browser.ts";
import { dialect } from "../lib/dialect.ts";
import { ApiError } from "../lib/errors.ts";
import type { Issue } from "../../schemas/problem.ts";
import { idempotent } from "../lib/idempotency.ts";
import { describeRoute } from "../lib/openapi.ts";
import { countryCode, toE164 } from "../../schemas/phone.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { issuesOf } from "../lib/validate.ts";
import { AddCallAccepted, AddCallParams, BrightcallError, consentIssues, consentOf, extraParamIssues, paramText, splitParams } from "../../schemas/brightcall.ts";
import type { Hold } from "../../schemas/compliance.ts";
import { acceptIntake } from "./accept.ts";
import { renderBrightcall } from "./brightcall-errors.ts";

const path = "/rest/v1/ext/add_call_api/";
// The seed's URL ends in a slash; hand-typed links often drop it.
const paths = [path, path.slice(0, -1)];

const description =
  "Seed 003. Parameters in the query string (GET, or POST), a JSON body, or a form body (urlencoded or multipart), " +
  "with or without the trailing slash. Schedules a call to the lead now, whatever the domain's auto-callback " +
  "setting (an explicit API call asks for a call), with the domain's retry settings; the lead is created or updated " +
  "(one per E.164 phone). An identical request within 10 minutes schedules no second call: 200 with status " +
  "\"duplicate\" and the earlier callback. A phone over its hourly callback limit gets 429. The key (scope " +
  "intake:write; secret, or publishable with its origin check) may come as api_key in the query or body; a response " +
  "to a URL with api_key carries Referrer-Policy: no-referrer. X-Agent-ID assigns the callback to that agent. A " +
  "widget_key of another workspace or mode: 404. Errors: {\"success\": false, \"error\": {code, message, fields?}} " +
  "listing every bad parameter; a body that is not valid JSON (e.g. with // comments) is a 400.";

const errors = {
  400: { description: "Malformed body (not JSON, a control character)", schema: BrightcallError },
  401: { description: "Missing or invalid API key", schema: BrightcallError },
  403: { description: "Publishable key from another origin, or no intake:write scope", schema: BrightcallError },
  404: { description: "Unknown widget_key (including another workspace's or mode's)", schema: BrightcallError },
  415: { description: "Body neither JSON nor a form", schema: BrightcallError },
  422: { description: "Missing or invalid parameters, every one listed in error.fields", schema: BrightcallError },
  429: { description: "Workspace rate limit or the phone's hourly callback limit", schema: BrightcallError },
};
const accepted = {
  201: { description: "A call was scheduled", schema: AddCallAccepted },
  200: { description: "Duplicate of a request in the last 10 minutes; nothing new scheduled", schema: AddCallAccepted },
};

export function registerAddCallApi(app: App) {
  const doc = { path, summary: "Schedule a call (Brightcall add_call_api)", description, tags: ["intake"], auth: "key" as const };
  describeRoute({ ...doc, method: "get", query: AddCallParams, responses: { ...accepted, ...errors } });
  describeRoute({ ...doc, method: "post", body: AddCallParams, responses: { ...accepted, ...errors } });

  for (const route of paths) {
    app.use(route, dialect(renderBrightcall), browserCors(["GET", "POST"]));
    app.on(
      ["GET", "POST"],
      route,
      refuseHead(),
      limitBody(),
      readableBody(),
      requireKey({ kinds: ["secret", "publishable"], scope: "intake:write", sources: ["authorization", "x-api-key", "query", "body"] }),
      rateLimit({ deferred: true }),
      idempotent(),
      addCall,
    );
    app.on(["PUT", "PATCH", "DELETE"], route, () => {
      throw notAllowed();
    });
  }
}

async function addCall(c: Context<AppEnv>) {
  const params = await readParams(c);
  const { customFields, agents } = splitParams(params);
  const domain = await callerDomain(c, params.widget_key);
  const country = countryCode(params.country) ?? null; // "UK" → "GB"
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
  const agentOverride = agents[0] ? { name: agents[0].name, phone: agentPhones[0]! } : null;
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

  const callback = (result.callback ?? result.earlierCallback) as CallbackJson | null;
  if (!callback) throw new Error("add_call_api: no callback was scheduled and no earlier one was found");
  const duplicate = result.callback === null;
  return c.json(
    AddCallAccepted.parse({
      success: true,
      status: duplicate ? "duplicate" : "scheduled",
      message: duplicate
        ? "An identical request in the last 10 minutes already scheduled this call; no second call was scheduled"
        : "Call scheduled",
      callback_id: callback.id,
      lead_id: result.lead!.id,
      phone: result.phone,
      scheduled_at: callback.scheduled_at,
      next_attempt_at: callback.next_attempt_at,
      hold: callback.hold,
      agent: callback.agent_override ?? null,
    }),
    duplicate ? 200 : 201,
  );
}

/** The request's parameters from the query string and the body, checked; throws 422 listing every bad one. */
async function readParams(c: Context<AppEnv>): Promise<AddCallParams> {
  const entries: Entry[] = [...new URL(c.req.url).searchParams].map(([k, v]) => [k, v, true]);
  if (c.req.method === "POST") entries.push(...(await bodyEntries(c)));

  // Keyed by the client's parameter names, so without a prototype (a `toString` is a parameter).
  const params: Record<string, string> = Object.create(null);
  const issues: Issue[] = [];
  for (const [key, value, urlEncoded] of entries) {
    checkValue({ [key]: value }, "", 0); // control characters and __proto__ keys, as in JSON bodies
    const text = paramText(key, value, urlEncoded);
    if (text === null) continue;
    if (typeof text === "object") issues.push(text);
    else if (Object.hasOwn(params, key) && params[key] !== text) issues.push({ path: key, message: "is given more than once, with different values" });
    else params[key] = text;
  }
  const parsed = AddCallParams.safeParse(params);
  const all = firstPerPath([issues, parsed.success ? [] : issuesOf(parsed.error), extraParamIssues(params), consentIssues(params)]);
  if (all.length > 0 || !parsed.success) throw new ApiError("validation_failed", "Invalid parameters", { issues: all });
  return parsed.data;
}

// A parameter, its value, and whether it was URL-encoded (where an unencoded + means a space).
type Entry = [string, unknown, boolean];

const formType = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

async function bodyEntries(c: Context<AppEnv>): Promise<Entry[]> {
  const type = c.req.header("content-type") ?? "";
  const text = await c.req.text();
  if (text.trim() === "") return []; // a POST may carry its parameters in the query string only
  if (isJsonType(type)) {
    const body = parseJson(text);
    if (body && typeof body === "object" && !Array.isArray(body)) return Object.entries(body).map(([k, v]) => [k, v, false]);
    throw new ApiError("validation_failed", "The body is not a JSON object", { issues: [{ path: "body", message: "must be a JSON object of parameters" }] });
  }
  if (formType.test(type)) {
    const form = await c.req.formData().catch(() => {
      throw new ApiError("bad_request", "The request body is not a valid form", { facts: { reason: "invalid_form" } });
    });
    const urlEncoded = !type.toLowerCase().startsWith("multipart/");
    return [...form.entries()].map(([k, v]) => [k, v, urlEncoded]);
  }
  throw new ApiError("unsupported_media_type", "Content-Type must be application/json, application/x-www-form-urlencoded or multipart/form-data", {
    facts: { reason: "content_type" },
  });
}

/** For each parameter, the issues of the first check that found any: one reason per problem. */
function firstPerPath(groups: Issue[][]): Issue[] {
  const seen = new Set<string>();
  return groups.flatMap((group) => {
    const fresh = group.filter((issue) => !seen.has(issue.path));
    for (const issue of fresh) seen.add(issue.path);
    return fresh;
  });
}

/** An agent's phone "with trailing zero or without": national with or without its 0, 00 or + international, or bare digits. */
function agentPhone(raw: string, country: string | null): string | null {
  const text = raw.replace(/^00/, "+");
  const phone = toE164(text, country ?? undefined);
  if (phone) return phone;
  const digits = text.replace(/[\s().-]/g, "");
  return /^\d+$/.test(digits) ? toE164(`+${digits}`) : null;
}

async function callerDomain(c: Context<AppEnv>, widgetKey: string) {
  const { workspace, mode } = c.var.caller;
  const domain = await findDomainByWidgetKey(c.var.db, widgetKey);
  // The same answer whether the key is unknown or another workspace's or mode's: nothing to probe.
  if (!domain || domain.workspaceId !== workspace.id || domain.mode !== mode) {
    throw new ApiError("not_found", "Unknown widget_key", { facts: { field: "widget_key" } });
  }
  return domain;
}

type CallbackJson = {
  id: string;
  scheduled_at: string;
  next_attempt_at: string | null;
  hold: Hold | null;
  agent_override: { name: string | null; phone: string } | null;
};

function notAllowed() {
  return new ApiError("method_not_allowed", "Use GET or POST", { headers: { Allow: "GET, POST, OPTIONS" } });
}

// The key may be inside the body: a body that cannot be read is reported as such (400, 415), not
// as a missing key.
function readableBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "POST") await bodyEntries(c);
    await next();
  };
}

// Hono answers HEAD with the GET route; a HEAD must not schedule a call.
function refuseHead(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "HEAD") throw notAllowed();
    await next();
  };
}
