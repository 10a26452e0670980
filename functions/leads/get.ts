import { findLead } from "../../db/queries/leads.ts";
import { native } from "../routes/kinds/native.ts";
import { found } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { IdParam } from "../../schemas/common.ts";
import { isId } from "../../schemas/ids.ts";
import { Lead } from "../../schemas/leads.ts";

export const getLead = defineRoute(native, {
  method: "get",
  path: "/v1/leads/{id}",
  summary: "Get a lead",
  description: "Secret keys with leads:read. Another workspace's lead, or one of the other mode (live vs test), is a 404.",
  tags: ["leads"],
  request: { params: IdParam },
  responses: { 200: jsonResponse("The lead", Lead) },
  scope: "leads:read",
}, async (c) => {
  const { id } = c.req.valid("param");
  const lead = isId("lead", id) ? await findLead(c.var.db, c.var.owner, id) : null;
  return c.json(Lead.parse(found(lead, `No lead ${id}`)), 200);
});
