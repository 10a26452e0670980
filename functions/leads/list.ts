import { listLeads as selectLeads } from "../../db/queries/leads.ts";
import { filteredListDescription, leads } from "../routes/resources.ts";
import { Lead, LeadList, LeadListQuery } from "../../schemas/leads.ts";

// The schema has parsed phone to E.164 and cursor to the id it points at.
export const listLeads = leads.list(
  {
    summary: "List leads",
    description: `${filteredListDescription} Secret keys with leads:read.`,
    returns: "A page of leads",
    query: LeadListQuery,
    schema: LeadList,
  },
  (db, owner, q) => selectLeads(db, owner, { phone: q.phone, email: q.email, name: q.name, domainId: q.domain_id, before: q.cursor }, q.limit),
  (row) => Lead.parse(row),
);
