import { revokeLink as revokeRow } from "../../db/queries/links.ts";
import { links } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { Link } from "../../schemas/links.ts";
import { baseUrlOf } from "./base-url.ts";
import { showLink } from "./make.ts";

// A DELETE that keeps the row: the link stays listed, revoked, as the record of what was sent out.
export const revokeLink = links.member({
  method: "delete",
  summary: "Revoke a signed link",
  description:
    "The link answers 410 from the next request on, and writes nothing; it stays listed with revoked_at. Revoking a " +
    "revoked link is not an error: 200, with the time it was first revoked. Secret keys with links:write.",
  responses: { 200: jsonResponse("The link, revoked", Link) },
}, async (c, id) => {
  const row = await revokeRow(c.var.db, c.var.owner, id);
  if (!row) throw links.notFound(id);
  return c.json(Link.parse(await showLink(c.env.SECRETS_KEYS, baseUrlOf(c), row)), 200);
});
