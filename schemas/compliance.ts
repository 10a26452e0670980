import { z } from "zod";
import { Time } from "./common.ts";

// Lawful calling on the API: why a callback waits (its hold), when it may ring (eligibility),
// the consent a lead gave, and the compliance export of one lead.

export const holdReasons = ["calling_hours", "business_hours", "daily_cap", "state_ban", "empty_window", "no_agent_available"] as const;
export const zoneSources = ["explicit", "number", "explicit+number", "domain", "workspace", "default"] as const;
/** A hold's zone is the lead's (from one of zoneSources), or an agent's for no_agent_available. */
export const holdZoneSources = [...zoneSources, "agent"] as const;

export const Hold = z
  .strictObject({
    until: Time.nullable().describe("When it may ring; null when no hour is open in every zone the lead may be in (looked at again daily)"),
    reason: z.enum(holdReasons).describe(
      "calling_hours: outside a calling window in the lead's zone (the law's, the domain's or the workspace's); " +
        "business_hours: the domain is closed; daily_cap: a cap on calls to the lead (the domain's, or a law's such as " +
        "Florida's 3 per 24 h); state_ban: a day on which a law allows no calls (a Sunday, a holiday); " +
        "empty_window: the zones the lead may be in share no open hour; no_agent_available: no agent who may take it " +
        "is switched on, inside their schedule and off a call (rule agent_schedule, agents_busy or agents_off)",
    ),
    rule: z
      .string()
      .describe('The rule that holds it: "US-FL 08:00-20:00", "US-AL no calls on Sunday", "domain 3 calls per 24 h", "agent_schedule"'),
    citation: z.string().nullable().describe("The law, for a rule of the rulebook"),
    zone: z.string().describe("The zone whose window holds it"),
    zone_source: z.enum(holdZoneSources).describe(
      "Where the lead's zones came from: the zone given for the lead (explicit), its number, both, " +
        "the domain's zone, the workspace's, or UTC (default); agent: the zone is an agent's, whose schedule holds it",
    ),
  })
  .meta({ id: "CallbackHold" });

export const ConsentInput = z
  .strictObject({
    text: z.string().min(1).max(10_000).describe("The consent text exactly as the form showed it"),
    version: z.string().min(1).max(100).nullish().describe("Your version of that text"),
    checked: z.boolean().describe("Whether the lead ticked the box"),
    page_url: z.url().max(2048).nullish().describe("The page the form was on"),
  })
  .describe(
    "What the lead agreed to. Ringback adds the time, the IP address and user agent the request came from, and the text's sha256. " +
      "A domain with require_consent refuses intake without one whose checked is true",
  )
  .meta({ id: "ConsentInput" });

export type ConsentInput = z.infer<typeof ConsentInput>;

export const Consent = z
  .strictObject({
    id: z.string().describe("cns_…"),
    source: z.enum(["form_response", "add_call_api", "api"]),
    source_id: z.string().nullable().describe("The form response or callback it came with"),
    text: z.string(),
    text_sha256: z.string(),
    version: z.string().nullable(),
    checked: z.boolean(),
    page_url: z.string().nullable(),
    ip_address: z.string().nullable().describe("The address the request came from (CF-Connecting-IP)"),
    user_agent: z.string().nullable().describe("The request's User-Agent"),
    created_at: Time,
  })
  .meta({ id: "Consent" });

const PlaceFields = {
  zones: z.array(z.string()).describe("Every zone the lead may be in; a window must be open in each"),
  zone_source: z.enum(zoneSources),
  regions: z.array(z.string()).describe('ISO 3166 regions from the number, broadest first: ["US", "US-FL"]'),
  lead_local_time: z.record(z.string(), z.string()).describe("The lead's wall clock now in each zone, ISO 8601 with offset"),
};

export const Eligibility = z
  .strictObject({
    callback_id: z.string(),
    status: z.string().describe("The callback's status"),
    checked_at: Time,
    eligible_now: z.boolean().describe("Whether the dialler would ring it now, were it due"),
    blocked: z.enum(["do_not_call", "opted_out"]).nullable().describe("Never rung: the number is on the do-not-call list, or the lead opted out"),
    next_eligible_at: Time.nullable().describe("The first lawful moment from now (or from scheduled_at, if later); null when blocked or no hour is open"),
    hold: Hold.nullable().describe("Why next_eligible_at is later than now"),
    ...PlaceFields,
    rules: z.array(z.strictObject({ id: z.string(), region: z.string(), citation: z.string() })).describe("The rulebook's rules for the lead's regions"),
    rulebook_version: z.string(),
    attempts_24h: z.number().int(),
    caps: z.array(z.strictObject({ rule: z.string(), calls: z.number().int(), hours: z.number().int(), count: z.number().int() })),
  })
  .meta({ id: "CallbackEligibility" });

export const DialDecision = z
  .looseObject({
    decision: z.enum(["dialled", "held", "blocked"]),
    reason: z.string().nullable(),
    until: Time.nullable(),
    rule: z.string().nullable(),
    citation: z.string().nullable(),
    decided_at: z.iso.datetime(),
    callback_id: z.string(),
    lead_id: z.string(),
    phone: z.string(),
    zone: z.string(),
    ...PlaceFields,
    rules_applied: z.array(z.string()),
    rulebook_version: z.string(),
    dnc: z.strictObject({ on_list: z.boolean(), opted_out: z.boolean() }),
    attempts_24h: z.number().int(),
    caps: z.array(z.looseObject({ rule: z.string() })),
    consent: z.looseObject({ id: z.string(), text_sha256: z.string() }).nullable().describe("The lead's latest consent record when the decision was made"),
  })
  .meta({ id: "DialDecision" });

export const ComplianceExport = z
  .strictObject({
    lead_id: z.string(),
    phone: z.string(),
    exported_at: Time,
    opt_out: z.strictObject({ opted_out: z.boolean(), opted_out_at: Time.nullable() }),
    dnc: z.strictObject({ listed: z.boolean(), reason: z.string().nullable(), since: Time.nullable() }),
    consents: z.array(Consent),
    decisions: z.array(
      z.strictObject({
        id: z.string(),
        seq: z.number().int(),
        recorded_at: Time,
        record: z.string().describe("The decision as stored: the exact JSON text that is hashed"),
        decision: DialDecision.nullable().describe("record, parsed; null if it is not valid JSON"),
        prev_hash: z.string().nullable(),
        hash: z.string(),
      }),
    ),
    chain: z.strictObject({
      valid: z.boolean(),
      length: z.number().int(),
      head: z.string().nullable().describe("The last record's hash"),
      broken_at: z.number().int().nullable().describe("The seq of the first record that does not verify"),
      problem: z.string().nullable(),
    }),
  })
  .meta({ id: "ComplianceExport" });
