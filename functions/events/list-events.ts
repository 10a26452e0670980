import { listEvents } from "../../db/queries/events.ts";
import { envelopeOf } from "../lib/outbox.ts";
import { events } from "../routes/resources.ts";
import { EventList, EventListQuery } from "../../schemas/events.ts";

export const listEventEnvelopes = events.list(
  {
    summary: "List events",
    description: "Events of the key's workspace and mode, newest first, each in the envelope webhooks carry.",
    returns: "A page of events",
    query: EventListQuery,
    schema: EventList,
  },
  (db, owner, q) => listEvents(db, owner, { type: q.type, limit: q.limit, startingAfter: q.cursor }),
  envelopeOf,
);
