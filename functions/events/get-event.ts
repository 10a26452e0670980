import { findEvent } from "../../db/queries/events.ts";
import { envelopeOf } from "../lib/outbox.ts";
import { native } from "../routes/kinds/native.ts";
import { found } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { IdParam } from "../../schemas/common.ts";
import { EventEnvelope } from "../../schemas/events.ts";

export const getEvent = defineRoute(native, {
  method: "get",
  path: "/v1/events/{id}",
  summary: "Get an event",
  description: "The event in the envelope its webhooks carry.",
  tags: ["events"],
  request: { params: IdParam },
  responses: { 200: jsonResponse("The event", EventEnvelope) },
  scope: "events:read", errors: { 404: "No such event in this workspace and mode" },
}, async (c) => {
  const { id } = c.req.valid("param");
  const event = found(await findEvent(c.var.db, c.var.owner, id), `No event ${id}`);
  return c.json(EventEnvelope.parse(envelopeOf(event)), 200);
});
