import { createDomain as insertDomain, domainJson, domainSettings } from "../../db/queries/domains.ts";
import { checkedDomainWrite } from "../lib/domain-checks.ts";
import { native } from "../routes/kinds/native.ts";
import { domains } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { CreateDomain, Domain } from "../../schemas/domains.ts";

export const createDomain = defineRoute(native, {
  ...domains.all("post", jsonBody(CreateDomain)),
  summary: "Create a domain",
  description:
    "A site whose leads Ringback calls back, in the key's mode, with its calling settings; a setting left out takes " +
    "its default (the Domain schema's). Its id is CallMeBack's domain_id; its widget_key (Brightcall's) is made here " +
    "and cannot be set or changed. Every invalid field is reported with its path, the pairs included (calling hours " +
    "that do not run forward, a voicemail policy without a message). Writes no event. Secret keys with domains:write.",
  responses: { 201: jsonResponse("The domain", Domain) },
}, async (c) => {
  const body = c.req.valid("json");
  const settings = domainSettings(body);
  const row = await checkedDomainWrite(() => insertDomain(c.var.db, c.var.owner, { ...settings, name: body.name }));
  return c.json(Domain.parse(domainJson(row)), 201);
});
