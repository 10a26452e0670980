import { sql } from "drizzle-orm";
import { index, integer, pgEnum, text, uniqueIndex } from "drizzle-orm/pg-core";
import { agents } from "./agents.ts";
import { callbacks } from "./callbacks.ts";
import { at, createdAt, optionalRef, parentRef, updatedAt } from "./columns.ts";
import { ownedTable } from "./owned.ts";
import type { AttemptOutcome } from "../../schemas/telephony.ts";

// Twilio's call statuses, used for the sandbox provider too.
export const attemptStatus = pgEnum("attempt_status", [
  "queued",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "failed",
  "no-answer",
  "canceled",
]);

export const telephonyProvider = pgEnum("telephony_provider", ["twilio", "sandbox"]);

export const callAttempts = ownedTable(
  "call_attempts",
  {
    callbackId: parentRef("callback_id", () => callbacks.id),
    agentId: optionalRef("agent_id", () => agents.id),
    attemptNumber: integer("attempt_number").notNull(),
    // An attempt rings agents one after another until one answers: each is a leg, 0, 1, 2…
    leg: integer("leg").notNull().default(0),
    // Legs rung at the same time (the domain's simultaneous_ring) share a group: the leg number
    // of its first. Rung one after another, each leg is its own group.
    ringGroup: integer("ring_group").notNull().default(0),
    agentPhone: text("agent_phone").notNull(), // the number rung: the agent's, or a one-off override
    provider: telephonyProvider("provider").notNull(),
    // The call to the agent, which then bridges the lead with a second call of its own. Each has
    // its status and the highest status-callback SequenceNumber applied, so late or repeated
    // callbacks never move either backwards.
    providerCallId: text("provider_call_id"), // Twilio's CallSid
    status: attemptStatus("status").notNull().default("queued"),
    lastSequenceNumber: integer("last_sequence_number"),
    leadCallId: text("lead_call_id"),
    leadStatus: attemptStatus("lead_status"),
    leadSequenceNumber: integer("lead_sequence_number"),
    error: text("error"), // why the provider refused the call, if it did
    answeredAt: at("answered_at"),
    // The agent pressed 1 to take the call (the domain's agent_accept); null if not, or not asked.
    acceptedAt: at("accepted_at"),
    // Who answered the lead's call, by Twilio's answering-machine detection (AnsweredBy: human,
    // machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax, unknown).
    answeredBy: text("answered_by"),
    // How an attempt ended without a conversation, where Ringback decided it: not_accepted (the
    // agent pressed no 1), machine (the lead's voicemail, hung up on), voicemail_left.
    outcome: text("outcome").$type<AttemptOutcome>(),
    endedAt: at("ended_at"),
    durationSeconds: integer("duration_seconds"),
    recordingUrl: text("recording_url"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("call_attempts_callback_leg_idx").on(t.callbackId, t.attemptNumber, t.leg),
    uniqueIndex("call_attempts_provider_call_idx").on(t.provider, t.providerCallId),
    index("call_attempts_workspace_idx").on(t.workspaceId, t.mode),
    // An agent's deletion clears the reference.
    index("call_attempts_agent_idx").on(t.agentId).where(sql`${t.agentId} IS NOT NULL`),
  ],
);
