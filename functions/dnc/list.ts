import { listDncNumbers as selectDncNumbers } from "../../db/queries/dnc.ts";
import { native } from "../routes/kinds/native.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { DncList, DncListQuery, dncPageOf } from "../../schemas/dnc.ts";

export const listDncNumbers = defineRoute(native, {
  method: "get",
  path: "/v1/dnc",
  summary: "List the do-not-call list",
  description:
    "The workspace's entries in the key's mode, in phone order (E.164 as text; the list's key, so paging stays " +
    "cheap however long it is), in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the " +
    "next page. `phone` finds one number. An unknown parameter or a bad value is a 422 listing every bad " +
    "parameter. Secret keys with dnc:read.",
  tags: ["dnc"],
  request: { query: DncListQuery },
  responses: { 200: jsonResponse("A page of entries", DncList) },
  scope: "dnc:read",
}, async (c) => {
  // The schema has parsed phone to E.164 and cursor to the phone it points after.
  const q = c.req.valid("query");
  const entries = await selectDncNumbers(c.var.db, c.var.owner, { phone: q.phone, after: q.cursor }, q.limit);
  return c.json(DncList.parse(dncPageOf(entries, q.limit)), 200);
});
