import { z } from "zod";
import { Mode } from "./account.ts";
import { idCursor, InternationalPhone, listQuery, page, Time, TimeZone, wholeNumber } from "./common.ts";
import { BusinessHours } from "./domains.ts";

// Agents on the management API (/v1/agents): who is rung, when, and where their post-call
// webhook (seed 002's) goes. The webhook secret is write-only: shown once when Ringback makes
// it, never read back (it is stored sealed under SECRETS_KEYS).

const name = z.string().trim().min(1).max(200);
const department = z.string().trim().min(1).max(100).describe("Free text; a filter for lists");
const webhookUrl = z
  .string()
  .max(2048)
  .describe("Seed 002's post-call webhook: https on port 443; no userinfo, no private, loopback, link-local or metadata addresses");
const webhookSecret = z
  .string()
  .regex(/^[\x21-\x7e]{24,200}$/, "must be 24 to 200 visible ASCII characters")
  .describe("Write-only. Your own signing secret for the post-call webhook; leave it out and Ringback makes one and shows it once");
const PostCallJson = z
  .enum(["compact", "python"])
  .describe("Which of seed 002's verifiers the post-call body is written for: compact JSON (its Node snippet) or Python's json.dumps");

const settings = {
  name,
  phone: InternationalPhone,
  department: department.nullable(),
  active: z.boolean().describe("false: never rung (POST /v1/agents/{id}/deactivate sets it; PATCH active: true undoes it)"),
  available: z.boolean().describe("Switched on to take calls; an agent switched off is not rung"),
  timezone: TimeZone.nullable().describe("IANA; the zone of schedule; null: the workspace's"),
  // When the agent may be rung, weekly, in their zone; null: any time. A union, not .nullable(): that would make the shared BusinessHours component nullable in the document.
  schedule: z.union([BusinessHours, z.null()]),
  callbacks_per_phone_per_hour: wholeNumber(1, 1000).nullable().describe("Seed 002's limit through this agent; null: the workspace's"),
  webhook_url: webhookUrl.nullable().describe("null removes the webhook and its secret"),
  webhook_secret: webhookSecret,
  post_call_json: PostCallJson,
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

// A secret signs nothing without a URL to send to.
const secretNeedsUrl = { path: ["webhook_secret"], message: "needs a webhook_url", when: ({ value }: { value: unknown }) => isObject(value) };

export const CreateAgent = z
  .strictObject(settings)
  .partial()
  .required({ name: true, phone: true })
  .refine((v) => !(v.webhook_secret !== undefined && (v.webhook_url === undefined || v.webhook_url === null)), secretNeedsUrl)
  .meta({ id: "CreateAgent" });

export const UpdateAgent = z
  .strictObject(settings)
  .partial()
  .refine((v) => !(v.webhook_secret !== undefined && v.webhook_url === null), secretNeedsUrl)
  .refine((v) => Object.keys(v).length > 0, "give at least one field to change")
  .meta({ id: "UpdateAgent" });

export type CreateAgent = z.output<typeof CreateAgent>;
export type UpdateAgent = z.output<typeof UpdateAgent>;

export const Agent = z
  .strictObject({
    id: z.string().describe("agt_…; what X-Agent-ID names"),
    name: z.string(),
    phone: z.string().describe("E.164"),
    department: z.string().nullable(),
    active: z.boolean(),
    available: z.boolean(),
    timezone: z.string().nullable(),
    schedule: z.union([BusinessHours, z.null()]),
    callbacks_per_phone_per_hour: z.number().int().nullable(),
    webhook_url: z.string().nullable(),
    webhook_secret_set: z.boolean().describe("Whether a post-call secret is stored; the secret itself is never shown again"),
    post_call_json: PostCallJson,
    last_dialed_at: Time.nullable(),
    mode: Mode,
    created_at: Time,
    updated_at: Time,
  })
  .meta({ id: "Agent" });

export type Agent = z.input<typeof Agent>;

export const AgentWithSecret = Agent.extend({
  webhook_secret: z
    .string()
    .nullable()
    .describe("The post-call secret Ringback made for this request (whsec_…), shown this once; null when it made none"),
}).meta({ id: "AgentWithSecret" });

export const AgentList = z.object(page(Agent)).meta({ id: "AgentList" });

const flag = z.enum(["true", "false"]).transform((v) => v === "true");

export const AgentListQuery = listQuery(idCursor("agent"), {
  active: flag.optional().describe("true or false"),
  available: flag.optional().describe("true or false"),
  department: department.optional().describe("Exactly this department"),
});
