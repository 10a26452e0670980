import { z } from "zod";
import { Mode } from "./account.ts";
import { Time } from "./common.ts";
import type { EventType } from "./events.ts";
import { type AttemptStatus, attemptOutcomes } from "./telephony.ts";

// The `data` of each event type, versioned. A version only ever gains optional fields; a change
// a receiver could trip over is a new schema (V2) beside the old one, never an edit of V1. The
// objects are loose: the fields named here are promised, and resources may carry more.

const time = z.iso.datetime().describe("ISO 8601, UTC");
const nullableTime = time.nullable();

// The resources only events carry, exactly as db/queries/resources.ts builds them. No endpoint
// serves them, so these are their one definition; the versioned payloads below promise a subset.

export const FormResponse = z
  .strictObject({
    id: z.string().describe("fr_…"),
    lead_id: z.string(),
    domain_id: z.string(),
    form_type: z.string().nullable(),
    form_data: z.record(z.string(), z.unknown()),
    source_url: z.string().nullable(),
    user_agent: z.string().nullable(),
    ip_address: z.string().nullable(),
    created_at: Time,
  })
  .meta({ id: "FormResponse" });

const attemptStatuses = ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"] as const satisfies readonly AttemptStatus[];
const AttemptStatusSchema = z.enum(attemptStatuses).describe("Twilio's call status, for the sandbox too");

const AnsweredBy = z
  .string()
  .nullable()
  .describe(
    "Who answered the lead's call, by answering-machine detection: human, unknown (bridged as a person), machine_start, " +
      "machine_end_beep, machine_end_silence, machine_end_other or fax; null until the lead's phone is answered",
  );

/** One leg of one attempt of a callback: the call to an agent, and the lead's call it bridged. */
export const Call = z
  .strictObject({
    call_id: z.string().describe("att_…"),
    callback_id: z.string(),
    lead_id: z.string(),
    phone: z.string().describe("The lead's number, E.164"),
    attempt_number: z.number().int().min(1),
    leg: z.number().int().min(0).describe("The agents rung in this attempt, one after another: 0, 1, 2…"),
    agent_id: z.string().nullable(),
    agent_phone: z.string(),
    status: AttemptStatusSchema.describe("The lead's call's status once there is one, else the agent's"),
    agent_status: AttemptStatusSchema,
    lead_status: AttemptStatusSchema.nullable(),
    provider: z.enum(["twilio", "sandbox"]),
    provider_call_id: z.string().nullable(),
    duration_seconds: z.number().int().min(0).nullable(),
    recording_url: z.string().nullable(),
    answered_by: AnsweredBy,
    outcome: z
      .enum(attemptOutcomes)
      .nullable()
      .describe("How the attempt ended without a conversation, where Ringback decided it: the agent pressed no 1, the lead's voicemail was hung up on, or left a message"),
    mode: Mode,
    at: Time,
  })
  .meta({ id: "Call" });

export const FormResponseCreatedV1 = z
  .looseObject({
    id: z.string().describe("fr_…"),
    lead_id: z.string(),
    domain_id: z.string().nullable().optional(),
    form_type: z.string().nullable().optional(),
    form_data: z.record(z.string(), z.unknown()),
    source_url: z.string().nullable().optional(),
    created_at: time,
  })
  .meta({ id: "FormResponseCreatedV1", description: "form_response.created, version 1 (seed 000's fields)" });

export const LeadUpdatedV1 = z
  .looseObject({
    id: z.string().describe("lead_…"),
    phone: z.string().describe("E.164"),
    name: z.string().nullable().optional(),
    email: z.string().nullable().optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
    opted_out: z.boolean().optional(),
    created_at: time.optional(),
    updated_at: time,
  })
  .meta({ id: "LeadUpdatedV1", description: "lead.updated, version 1: the lead as it is now" });

const callbackFields = {
  id: z.string().describe("cb_…"),
  lead_id: z.string(),
  status: z.string().describe("The callback's status after the change"),
  phone: z.string().optional(),
  agent_id: z.string().nullable().optional(),
  scheduled_at: time,
};

export const CallbackScheduledV1 = z
  .looseObject({ ...callbackFields, next_attempt_at: nullableTime.optional() })
  .meta({ id: "CallbackScheduledV1", description: "callback.scheduled, version 1" });

export const CallbackHeldV1 = z
  .looseObject({ ...callbackFields, next_attempt_at: nullableTime.optional(), hold: z.looseObject({ reason: z.string(), rule: z.string() }) })
  .meta({
    id: "CallbackHeldV1",
    description: "callback.held, version 1: the dialler found the callback due but held it (calling hours, a cap, a ban); hold says why and until when",
  });

export const CallbackCompletedV1 = z
  .looseObject({ ...callbackFields, completed_at: nullableTime.optional(), ended_reason: z.string().nullable().optional() })
  .meta({ id: "CallbackCompletedV1", description: "callback.completed, version 1" });

const callFields = {
  call_id: z.string().describe("att_…: the call attempt"),
  callback_id: z.string(),
  lead_id: z.string().optional(),
  attempt_number: z.number().int().min(1).optional(),
  phone: z.string().optional().describe("The number called, E.164"),
  agent_id: z.string().nullable().optional(),
  status: z.string().describe("The attempt's telephony status"),
  answered_by: AnsweredBy.optional(),
  at: time.describe("When the call reached this state"),
};

export const CallInitiatedV1 = z.looseObject(callFields).meta({ id: "CallInitiatedV1", description: "call.initiated, version 1" });
export const CallConnectedV1 = z.looseObject(callFields).meta({ id: "CallConnectedV1", description: "call.connected, version 1" });
export const CallCompletedV1 = z
  .looseObject({ ...callFields, duration_seconds: z.number().int().min(0).nullable().optional(), recording_url: z.string().nullable().optional() })
  .meta({ id: "CallCompletedV1", description: "call.completed, version 1" });
export const CallMissedV1 = z
  .looseObject({
    ...callFields,
    reason: z
      .string()
      .nullable()
      .optional()
      .describe(
        "busy, no-answer, failed, canceled (the lead's call); lead-machine, voicemail_left (the lead's voicemail answered); " +
          "agent-not-accepted, agent-hung-up, agent-no-answer… (no agent took the call); no-agent-answered, call-lost",
      ),
  })
  .meta({ id: "CallMissedV1", description: "call.missed, version 1" });

/** Seed 002's post-call payload, field for field. An agent's post-call URL receives exactly this. */
export const PostCallV1 = z
  .looseObject({
    webhook_version: z.literal("v1"),
    webhook_timestamp: time,
    webhook_type: z.literal("post_call"),
    call_id: z.string().describe("att_…: the call attempt; the same on every delivery and replay of this event, and the call_id of its call.* events"),
    agent_id: z.string(),
    phone_number: z.string(),
    from_phone_number: z.string(),
    status: z.string(),
    intent: z.string().nullable().describe("null: Ringback does not classify calls"),
    intent_confidence: z.number().nullable().optional(),
    lead_data: z.looseObject({
      name: z.string().nullable().optional(),
      email: z.string().nullable().optional(),
      phone: z.string().nullable().optional(),
    }),
    duration_minutes: z.number(),
    duration_seconds: z.number(),
    start_time: time.describe("When the conversation began: end_time less its duration"),
    end_time: time.describe("When it ended"),
    call_successful: z.string(),
    language: z.string().nullable().optional().describe("null: Ringback does not detect it"),
    credits_deducted: z.number().nullable().optional().describe("null: Ringback does not bill in credits"),
    recording_url: z.string().nullable(),
    answered_by: z.string().nullable().optional().describe("Who answered the lead's call (answering-machine detection); see Call"),
    // The seed's metadata carries an AI agent's summary and transcript; Ringback's calls are
    // between people, so it writes neither, and passes the caller's own metadata through instead.
    metadata: z
      .looseObject({ callback_id: z.string().optional(), attempt_number: z.number().int().optional() })
      .describe(
        "The metadata the callback was asked for with (make-call's `metadata`), as given, with Ringback's callback_id " +
          "and attempt_number, which win over keys of those names. No summary or transcript: Ringback does not record one",
      ),
  })
  .meta({ id: "PostCallV1", description: "post_call, version 1 (seed 002's payload)" });

export const WebhookTestV1 = z
  .strictObject({
    endpoint_id: z.string().describe("The endpoint the test was sent to"),
    message: z.string(),
  })
  .meta({ id: "WebhookTestV1", description: "webhook.test, version 1: sent to one endpoint on request (POST /v1/webhook_endpoints/{id}/test), never fanned out" });

export const eventPayloads = {
  "form_response.created": { version: 1, schema: FormResponseCreatedV1 },
  "lead.updated": { version: 1, schema: LeadUpdatedV1 },
  "callback.scheduled": { version: 1, schema: CallbackScheduledV1 },
  "callback.held": { version: 1, schema: CallbackHeldV1 },
  "callback.completed": { version: 1, schema: CallbackCompletedV1 },
  "call.initiated": { version: 1, schema: CallInitiatedV1 },
  "call.connected": { version: 1, schema: CallConnectedV1 },
  "call.completed": { version: 1, schema: CallCompletedV1 },
  "call.missed": { version: 1, schema: CallMissedV1 },
  post_call: { version: 1, schema: PostCallV1 },
  "webhook.test": { version: 1, schema: WebhookTestV1 },
} satisfies Record<EventType, { version: number; schema: z.ZodType }>;
