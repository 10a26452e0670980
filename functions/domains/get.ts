import { domainJson, findDomain } from "../../db/queries/domains.ts";
import { domains } from "../routes/resources.ts";
import { Domain } from "../../schemas/domains.ts";

export const getDomain = domains.get(
  {
    summary: "Get a domain",
    description: "Secret keys with domains:read. Another workspace's domain, or one of the other mode, is a 404.",
    returns: "The domain",
    schema: Domain,
  },
  findDomain,
  domainJson,
);
