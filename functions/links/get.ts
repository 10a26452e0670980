import { findLink } from "../../db/queries/links.ts";
import { links } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { Link } from "../../schemas/links.ts";
import { baseUrlOf } from "./base-url.ts";
import { showLink } from "./make.ts";

// A member route rather than links.get: the link's token is made again from the row, which takes
// the keyring and this deployment's address.
export const getLink = links.member({
  method: "get",
  summary: "Get a signed link",
  description: "The link, with its token and URL (the same ones it was made with) and its status. Secret keys with links:read.",
  responses: { 200: jsonResponse("The link", Link) },
}, async (c, id) => {
  const row = await links.find(c.var.db, c.var.owner, id, findLink);
  return c.json(Link.parse(await showLink(c.env.SECRETS_KEYS, baseUrlOf(c), row)), 200);
});
