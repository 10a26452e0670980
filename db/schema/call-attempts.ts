import { index, integer, pgEnum, text, uniqueIndex } from "drizzle-orm/pg-core";
import { agents } from "./agents.ts";
import { callbacks } from "./callbacks.ts";
import { at, createdAt, optionalRef, parentRef, updatedAt } from "./columns.ts";
import { ownedTable } from "./owned.ts";

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
  ],
);
