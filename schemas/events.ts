import { z } from "zod";

// The event catalogue. Every event goes out in one envelope, which keeps seed 000's `event` and
// `data` keys; each type's `data` has its own versioned schema (see `eventPayloads`).
export const eventTypes = [
  "form_response.created",
  "lead.updated",
  "callback.scheduled",
  "callback.completed",
  "call.initiated",
  "call.connected",
  "call.completed",
  "call.missed",
  "post_call",
] as const;

export const EventType = z.enum(eventTypes);
export type EventType = z.infer<typeof EventType>;

export const EventEnvelope = z
  .object({
    id: z.string().describe("evt_…; the same across retries and replays"),
    event: EventType,
    created_at: z.iso.datetime(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "EventEnvelope" });

export type EventEnvelope = z.infer<typeof EventEnvelope>;
