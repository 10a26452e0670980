import { listCallbacks as selectCallbacks } from "../../db/queries/callbacks.ts";
import { native } from "../routes/kinds/native.ts";
import { filteredListDescription } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { Callback, CallbackList, CallbackListQuery } from "../../schemas/callbacks.ts";
import { pageOf } from "../../schemas/common.ts";

export const listCallbacks = defineRoute(native, {
  method: "get",
  path: "/v1/callbacks",
  summary: "List callbacks",
  description: `${filteredListDescription} Secret keys with callbacks:read.`,
  tags: ["callbacks"],
  request: { query: CallbackListQuery },
  responses: { 200: jsonResponse("A page of callbacks", CallbackList) },
  scope: "callbacks:read",
}, async (c) => {
  // The schema has parsed phone to E.164 and cursor to the id it points at.
  const q = c.req.valid("query");
  const rows = await selectCallbacks(
    c.var.db,
    c.var.owner,
    { status: q.status, leadId: q.lead_id, phone: q.phone, createdAfter: q.created_after, createdBefore: q.created_before, before: q.cursor },
    q.limit,
  );
  // Each row is parsed as the callback it is; the page around them is built from those.
  return c.json(pageOf(rows.map((row) => Callback.parse(row)), q.limit), 200);
});
