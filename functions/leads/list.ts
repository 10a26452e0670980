import { listLeads as selectLeads } from "../../db/queries/leads.ts";
import { native } from "../routes/kinds/native.ts";
import { filteredListDescription } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { pageOf } from "../../schemas/common.ts";
import { Lead, LeadList, LeadListQuery } from "../../schemas/leads.ts";

export const listLeads = defineRoute(native, {
  method: "get",
  path: "/v1/leads",
  summary: "List leads",
  description: `${filteredListDescription} Secret keys with leads:read.`,
  tags: ["leads"],
  request: { query: LeadListQuery },
  responses: { 200: jsonResponse("A page of leads", LeadList) },
  scope: "leads:read",
}, async (c) => {
  // The schema has parsed phone to E.164 and cursor to the id it points at.
  const q = c.req.valid("query");
  const rows = await selectLeads(
    c.var.db,
    c.var.owner,
    { phone: q.phone, email: q.email, domainId: q.domain_id, before: q.cursor },
    q.limit,
  );
  // Each row is parsed as the lead it is; the page around them is built from those.
  return c.json(pageOf(rows.map((row) => Lead.parse(row)), q.limit), 200);
});
