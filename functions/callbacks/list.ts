import { listCallbacks as selectCallbacks } from "../../db/queries/callbacks.ts";
import { callbacks, filteredListDescription } from "../routes/resources.ts";
import { Callback, CallbackList, CallbackListQuery } from "../../schemas/callbacks.ts";

// The schema has parsed phone to E.164 and cursor to the id it points at.
export const listCallbacks = callbacks.list(
  {
    summary: "List callbacks",
    description: `${filteredListDescription} Secret keys with callbacks:read.`,
    returns: "A page of callbacks",
    query: CallbackListQuery,
    schema: CallbackList,
  },
  (db, owner, q) =>
    selectCallbacks(db, owner, { status: q.status, leadId: q.lead_id, phone: q.phone, createdAfter: q.created_after, createdBefore: q.created_before, before: q.cursor }, q.limit),
  (row) => Callback.parse(row),
);
