import { z } from "zod";
import type { Issue } from "./problem.ts";
import { isKnownCountry } from "./phone.ts";
import { Hold } from "./compliance.ts";

// Seed 003 (Brightcall): GET or POST /rest/v1/ext/add_call_api/. The parameter names are the
// seed's. Every value is read as text, whether it came in a query string, a form or JSON (a JSON
// number or boolean as its text), so a GET link and a JSON POST of the same fields are the same
// request. Values are trimmed; an empty one, or JSON null, counts as absent.

// Values reach the schema as text already (see above), so a type error here can only be a missing value.
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const phone = text(40);

export const maxCustomFields = 50;
const customPrefix = "lc_param_";
const agentParam = /^lc_param_agent(\d{1,3})(name|phone)$/;
const customName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const twoLetters = /^[A-Za-z]{2}$/;
const consentFlags = ["1", "0", "true", "false", "yes", "no", "on", "off"] as const;

export const AddCallParams = z
  .object({
    widget_key: text(100).describe("The domain's public widget key, shown by the admin CLI. It must belong to the key's workspace and mode"),
    api_key: text(200)
      .optional()
      .describe("The API key, here or in Authorization: Bearer / X-API-Key (a header key is used first). Secret or publishable, scope intake:write"),
    lc_number: phone.describe(
      "The lead's phone: E.164 (+14155550100), or national in `country`, else in the domain's country. " +
        "In a query string or urlencoded body an unencoded leading + (which reads as a space) is read as +",
    ),
    lc_number_2: phone.optional().describe("A second phone for the lead, read like lc_number; stored as the lead's phone_2"),
    country: z
      .string()
      .regex(twoLetters, "must be a two-letter country code")
      .refine((value) => !twoLetters.test(value) || isKnownCountry(value), "is not a known country code")
      .optional()
      .describe("ISO 3166-1 alpha-2 for reading national numbers; UK means GB (the lead's country is stored as GB)"),
    lc_param_name: text(200).optional().describe("The lead's name"),
    lc_param_email: z.email({ error: "is not a valid email address" }).max(320, "must be at most 320 characters").optional().describe("The lead's email"),
    lc_param_message: text(5000).optional().describe("The lead's message: the lead's custom field `message` and the callback's metadata.message"),
    lc_param_consent_text: text(10_000).optional().describe("The consent text exactly as the form showed it; with it, lc_param_consent_checked is required"),
    lc_param_consent_version: text(100).optional().describe("Your version of the consent text"),
    lc_param_consent_checked: z
      .enum(consentFlags, { error: `must be one of ${consentFlags.join(", ")}` })
      .optional()
      .describe("Whether the lead ticked the consent box: 1, true, yes or on; 0, false, no or off"),
    lc_param_consent_url: z.url({ error: "is not a URL" }).max(2048, "must be at most 2048 characters").optional().describe("The page the form was on"),
  })
  .catchall(text(2000))
  .describe(
    "Any other lc_param_<name> is kept on the lead as the custom field <name> (without the prefix; letters, digits, " +
      `_ . -, at most 64 characters; at most ${maxCustomFields}), merged into the lead's earlier ones. ` +
      "lc_param_agent<NN>name / lc_param_agent<NN>phone dial a one-off agent for this call instead of the domain's " +
      "queue; the phone may be national with or without its leading 0, or international with + or 00. When several " +
      "NN are given the lowest number is used (all are checked). Any other parameter is refused.",
  )
  .meta({ id: "BrightcallAddCallRequest" });

export type AddCallParams = z.infer<typeof AddCallParams>;

/** The consent record the lc_param_consent_* parameters carry, or null; checked by consentIssues. */
export function consentOf(params: AddCallParams) {
  if (params.lc_param_consent_text === undefined || params.lc_param_consent_checked === undefined) return null;
  return {
    text: params.lc_param_consent_text,
    version: params.lc_param_consent_version ?? null,
    checked: ["1", "true", "yes", "on"].includes(params.lc_param_consent_checked),
    page_url: params.lc_param_consent_url ?? null,
  };
}

/** The consent parameters come as a set: the text, and whether the box was ticked, at least. */
export function consentIssues(params: Record<string, string>): Issue[] {
  const given = Object.keys(params).filter((key) => key.startsWith("lc_param_consent_"));
  if (given.length === 0) return [];
  const issues: Issue[] = [];
  for (const needed of ["lc_param_consent_text", "lc_param_consent_checked"]) {
    if (params[needed] === undefined) issues.push({ path: needed, message: `is required with ${given.filter((key) => key !== needed).join(", ")}`, missing: true });
  }
  return issues;
}

/** Issues zod cannot see: the names of the parameters beyond the fixed ones. */
export function extraParamIssues(params: Record<string, string>): Issue[] {
  const known = new Set(Object.keys(AddCallParams.shape));
  const issues: Issue[] = [];
  let custom = 0;
  for (const [key, value] of Object.entries(params)) {
    if (known.has(key)) continue;
    const agent = agentParam.exec(key);
    if (agent) {
      const max = agent[2] === "name" ? 200 : 40;
      if (value.length > max) issues.push({ path: key, message: `must be at most ${max} characters` });
      const other = `lc_param_agent${agent[1]}phone`;
      if (agent[2] === "name" && params[other] === undefined) issues.push({ path: other, message: `is required with ${key}`, missing: true });
    } else if (key.startsWith(customPrefix)) {
      const name = key.slice(customPrefix.length);
      if (!customName.test(name) || name === "constructor" || name === "prototype") {
        issues.push({ path: key, message: "is not a valid custom field name: use letters, digits, _ . - (at most 64)" });
      }
      custom++;
    } else {
      issues.push({ path: key, message: "is not a known parameter; custom fields start with lc_param_" });
    }
  }
  if (custom > maxCustomFields) issues.push({ path: "lc_param_*", message: `at most ${maxCustomFields} custom fields` });
  return issues;
}

const phoneParam = /^(lc_number|lc_number_2|lc_param_agent\d{1,3}phone)$/;

/** A value as text; null when absent (empty, or JSON null); an issue when it cannot be text. */
export function paramText(key: string, value: unknown, urlEncoded: boolean): string | null | Issue {
  if (typeof value === "string") {
    // Hand-written links and `curl -d` leave the + unencoded, and it then reads as a space:
    // "lc_number=+4420…" arrives as " 4420…". Read nationally, it would dial another number.
    const text = urlEncoded && phoneParam.test(key) ? value.replace(/^ (?=\d)/, "+") : value;
    return text.trim() || null;
  }
  if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") return String(value);
  if (value === null) return null;
  if (value instanceof File) return { path: key, message: "must be text, not a file" };
  return { path: key, message: "must be text, a number or a boolean" };
}

export type AgentParam = { number: string; name: string | null; phone: string; field: string };

/** The lead's custom fields and the agent pairs, lowest number first. */
export function splitParams(params: AddCallParams) {
  const customFields: Record<string, string> = Object.create(null); // named by the client
  const agents = new Map<string, { name: string | null; phone?: string }>();
  const known = new Set(Object.keys(AddCallParams.shape));
  for (const [key, value] of Object.entries(params)) {
    if (known.has(key) || value === undefined) continue;
    const [, number, field] = agentParam.exec(key) ?? [];
    if (number !== undefined) {
      const pair = agents.get(number) ?? { name: null };
      if (field === "name") pair.name = value;
      else pair.phone = value;
      agents.set(number, pair);
    } else {
      customFields[key.slice(customPrefix.length)] = value;
    }
  }
  if (params.lc_param_message !== undefined) customFields.message = params.lc_param_message;
  const agentList: AgentParam[] = [...agents]
    .filter((entry): entry is [string, { name: string | null; phone: string }] => entry[1].phone !== undefined)
    .map(([number, pair]) => ({ number, name: pair.name, phone: pair.phone, field: `lc_param_agent${number}phone` }))
    .sort((a, b) => Number(a.number) - Number(b.number) || a.number.localeCompare(b.number));
  return { customFields, agents: agentList };
}

const AgentOverride = z
  .object({ name: z.string().nullable(), phone: z.string().describe("E.164") })
  .describe("The one-off agent this call goes to (lc_param_agent<NN>…), or null for the domain's call routing");

export const AddCallAccepted = z
  .object({
    success: z.literal(true),
    status: z
      .enum(["scheduled", "duplicate"])
      .describe(
        "scheduled (201): a callback was scheduled now. duplicate (200): an identical request scheduled one in the last " +
          "10 minutes; no second call was scheduled, and callback_id is that earlier callback",
      ),
    message: z.string(),
    callback_id: z.string().describe("cb_…"),
    lead_id: z.string().describe("lead_…"),
    phone: z.string().describe("The lead's phone, E.164"),
    scheduled_at: z.iso.datetime().describe("When the call was asked for, ISO 8601, UTC"),
    next_attempt_at: z.iso
      .datetime()
      .nullable()
      .describe("When the call will first ring: now, or the first lawful moment in the lead's time (see hold)"),
    hold: Hold.nullable().describe("Why the call waits past now: calling hours in the lead's zone, business hours, a cap, a ban"),
    agent: AgentOverride.nullable(),
  })
  .meta({ id: "BrightcallAddCallAccepted" });

export const BrightcallError = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z
        .string()
        .describe(
          "unauthorized, forbidden, not_found, method_not_allowed, conflict, payload_too_large, unsupported_media_type, " +
            "validation_failed, rate_limited, bad_request, internal, unavailable (503: the database cannot be reached; Retry-After says when to retry)",
        ),
      message: z.string(),
      fields: z
        .record(z.string(), z.array(z.string()))
        .optional()
        .describe("Every missing or invalid parameter, by its name: { \"lc_number\": [\"is required\"] }"),
      retry_after: z.number().int().optional().describe("Seconds, on 429 (also in Retry-After)"),
    }),
  })
  .meta({ id: "BrightcallError" });

export type BrightcallError = z.infer<typeof BrightcallError>;
