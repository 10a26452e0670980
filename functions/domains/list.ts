import { domainJson, listDomains as selectDomains } from "../../db/queries/domains.ts";
import { domains } from "../routes/resources.ts";
import { DomainList, DomainListQuery } from "../../schemas/domains.ts";

export const listDomains = domains.list(
  {
    summary: "List domains",
    description:
      "The domains of the key's workspace and mode, newest first, in pages of `limit` (1 to 100, default 25); pass " +
      "next_cursor as cursor for the next page. Secret keys with domains:read.",
    returns: "A page of domains",
    query: DomainListQuery,
    schema: DomainList,
  },
  (db, owner, q) => selectDomains(db, owner, { before: q.cursor }, q.limit),
  domainJson,
);
