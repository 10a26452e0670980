import { listFormResponses as selectFormResponses } from "../../db/queries/form-responses.ts";
import { filteredListDescription, formResponses } from "../routes/resources.ts";
import { FormResponseListQuery, StoredFormResponse, StoredFormResponseList } from "../../schemas/form-responses.ts";

// The schema has parsed cursor to the id it points at.
export const listFormResponses = formResponses.list(
  {
    summary: "List form responses",
    description:
      `The CallMeBack form responses stored by POST /api/v1/form_responses, each with its lead and the callback it ` +
      `scheduled (callback_id, null when it scheduled none). ${filteredListDescription} Secret keys with leads:read.`,
    returns: "A page of form responses",
    query: FormResponseListQuery,
    schema: StoredFormResponseList,
  },
  (db, owner, q) =>
    selectFormResponses(
      db,
      owner,
      { leadId: q.lead_id, domainId: q.domain_id, createdAfter: q.created_after, createdBefore: q.created_before, before: q.cursor },
      q.limit,
    ),
  (row) => StoredFormResponse.parse(row),
);
