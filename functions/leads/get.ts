import { findLead } from "../../db/queries/leads.ts";
import { leads } from "../routes/resources.ts";
import { Lead } from "../../schemas/leads.ts";

export const getLead = leads.get({
  summary: "Get a lead",
  description: "Secret keys with leads:read. Another workspace's lead, or one of the other mode (live vs test), is a 404.",
  returns: "The lead",
  schema: Lead,
}, findLead);
