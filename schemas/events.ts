import { z } from "zod";
import { eventPayloads } from "./event-payloads.ts";
import { idCursor, listQuery, page } from "./common.ts";

// The event catalogue. Every event goes out in one envelope, which keeps seed 000's `event` and
// `data` keys; each type's `data` has its own versioned schema (see `eventPayloads`).
export const eventTypes = [
  "form_response.created",
  "lead.updated",
  "callback.scheduled",
  "callback.held",
  "callback.completed",
  "call.initiated",
  "call.connected",
  "call.completed",
  "call.missed",
  "post_call",
  "webhook.test",
] as const;

export const EventType = z.enum(eventTypes);
export type EventType = z.infer<typeof EventType>;

export const EventEnvelope = z
  .object({
    id: z.string().describe("evt_…; the same across retries and replays"),
    event: EventType,
    created_at: z.iso.datetime(),
    data: z.record(z.string(), z.unknown()).describe("The payload of the event's type; see EventPayloads"),
  })
  .meta({ id: "EventEnvelope" });

export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** The envelope with `data` checked against its type's current payload schema. */
export function parseEnvelope(value: unknown): EventEnvelope {
  const envelope = EventEnvelope.parse(value);
  eventPayloads[envelope.event].schema.parse(envelope.data);
  return envelope;
}

export const EventList = z.object(page(EventEnvelope)).meta({ id: "EventList" });

export const EventListQuery = listQuery(idCursor("event"), {
  type: EventType.optional().describe("Only events of this type"),
});

export const ReplayRequest = z
  .strictObject({
    endpoint_id: z.string().optional().describe("Replay to this endpoint only; otherwise to every subscribed, enabled endpoint"),
  })
  .meta({ id: "ReplayRequest" });

export const ReplayResult = z
  .object({
    event_id: z.string(),
    deliveries: z
      .array(z.object({ id: z.string(), endpoint_id: z.string().nullable(), agent_id: z.string().nullable() }))
      .describe("The deliveries queued again; each keeps its id, which is the webhook-id header"),
  })
  .meta({ id: "ReplayResult" });
