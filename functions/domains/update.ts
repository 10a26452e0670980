import { domainJson, domainSettings, updateDomain as updateStoredDomain } from "../../db/queries/domains.ts";
import { checkedDomainWrite } from "../lib/domain-checks.ts";
import { domains } from "../routes/resources.ts";
import { jsonBody, jsonResponse } from "../routes/route.ts";
import { Domain, UpdateDomain } from "../../schemas/domains.ts";

export const updateDomain = domains.member({
  method: "patch",
  body: jsonBody(UpdateDomain),
  summary: "Update a domain",
  description:
    "Changes the settings given and leaves the rest; null clears default_country or voicemail_message. business_hours, " +
    "holidays and retry_intervals_seconds are replaced whole. One side of a pair is checked against the stored other " +
    "side: calling_hours_end before the stored calling_hours_start, or machine_answer voicemail on a domain without a " +
    "message, is a 422 on that field. widget_key cannot be changed. Settings apply to callbacks decided from now on. " +
    "Writes no event. Secret keys with domains:write.",
  responses: { 200: jsonResponse("The updated domain", Domain) },
}, async (c, id) => {
  const body = c.req.valid("json");
  const row = await checkedDomainWrite(() => updateStoredDomain(c.var.db, c.var.owner, id, domainSettings(body)));
  if (!row) throw domains.notFound(id);
  return c.json(Domain.parse(domainJson(row)), 200);
});
