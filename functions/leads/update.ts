import { updateLead as updateStoredLead } from "../../db/queries/leads.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { leads } from "../routes/resources.ts";
import { jsonBody, jsonResponse } from "../routes/route.ts";
import { canonicalTimeZone } from "../../schemas/common.ts";
import { newId } from "../../schemas/ids.ts";
import { Lead, UpdateLead } from "../../schemas/leads.ts";

export const updateLead = leads.member({
  method: "patch",
  body: jsonBody(UpdateLead),
  summary: "Update a lead",
  description:
    "Changes the fields given and leaves the rest; null clears a field. custom_fields is merged one level deep " +
    "(a key set to null is removed). The phone cannot be changed: it is the lead's identity (422). Every " +
    "successful PATCH writes a lead.updated event whose data is the lead as this response shows it, committed " +
    "with the change. Opting out does not cancel callbacks already scheduled; cancel them with " +
    "POST /v1/callbacks/{id}/cancel. Secret keys with leads:write.",
  responses: { 200: jsonResponse("The updated lead", Lead) },
}, async (c, id) => {
  const body = c.req.valid("json");
  const eventId = newId("event");
  const lead = await updateStoredLead(
    c.var.db,
    c.var.owner,
    id,
    {
      name: body.name,
      email: body.email,
      // phone_2 has been parsed to E.164.
      phone2: body.phone_2,
      timezone: body.timezone == null ? body.timezone : canonicalTimeZone(body.timezone),
      customFields: body.custom_fields,
      optedOut: body.opted_out,
    },
    eventId,
  );
  if (!lead) throw leads.notFound(id);
  publishAfterCommit(c.env, c.executionCtx, [{ id: eventId }]);
  return c.json(Lead.parse(lead), 200);
});
