import { listEvents } from "../../db/queries/events.ts";
import { envelopeOf } from "../lib/outbox.ts";
import { page } from "../lib/webhook-resources.ts";
import { native } from "../routes/kinds/native.ts";
import { cursorAfter } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { EventList, EventListQuery } from "../../schemas/events.ts";

export const listEventEnvelopes = defineRoute(native, {
  method: "get",
  path: "/v1/events",
  summary: "List events",
  description: "Events of the key's workspace and mode, newest first, each in the envelope webhooks carry.",
  tags: ["events"],
  request: { query: EventListQuery },
  responses: { 200: jsonResponse("A page of events", EventList) },
  scope: "events:read",
}, async (c) => {
  const query = c.req.valid("query");
  const rows = await listEvents(c.var.db, c.var.owner, { type: query.type, limit: query.limit, startingAfter: cursorAfter("event", query.cursor) });
  return c.json(EventList.parse(page(rows, query.limit, envelopeOf)), 200);
});
