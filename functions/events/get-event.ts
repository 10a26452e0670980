import { findEvent } from "../../db/queries/events.ts";
import { envelopeOf } from "../lib/outbox.ts";
import { events } from "../routes/resources.ts";
import { EventEnvelope } from "../../schemas/events.ts";

export const getEvent = events.get({
  summary: "Get an event",
  description: "The event in the envelope its webhooks carry.",
  returns: "The event",
  schema: EventEnvelope,
}, findEvent, envelopeOf);
