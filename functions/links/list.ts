import { listLinks as selectLinks } from "../../db/queries/links.ts";
import { links } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { native } from "../routes/kinds/native.ts";
import { pageBy } from "../../schemas/common.ts";
import { LinkList, LinkListQuery } from "../../schemas/links.ts";
import { baseUrlOf } from "./base-url.ts";
import { showLink } from "./make.ts";

// Not links.list: each link's token is made again from its row (an HMAC, so a promise), which
// that helper's synchronous view cannot wait for.
export const listLinks = defineRoute(native, {
  ...links.all("get"),
  summary: "List signed links",
  description:
    "The links of the key's workspace and mode, revoked and expired ones included, newest first, in pages of `limit` " +
    "(1 to 100, default 25); pass next_cursor as cursor for the next page. Filter by status. Secret keys with links:read.",
  request: { query: LinkListQuery },
  responses: { 200: jsonResponse("A page of links", LinkList) },
}, async (c) => {
  const q = c.req.valid("query");
  const rows = await selectLinks(c.var.db, c.var.owner, { status: q.status, before: q.cursor }, q.limit);
  const base = baseUrlOf(c);
  const items = await Promise.all(rows.map((row) => showLink(c.env.SECRETS_KEYS, base, row)));
  return c.json(LinkList.parse(pageBy(items, q.limit, (item) => item.id)), 200);
});
