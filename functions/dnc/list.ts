import { listDncNumbers as selectDncNumbers } from "../../db/queries/dnc.ts";
import { dnc } from "../routes/resources.ts";
import { DncList, DncListQuery } from "../../schemas/dnc.ts";

// The schema has parsed phone to E.164 and cursor to the phone it points after.
export const listDncNumbers = dnc.list(
  {
    summary: "List the do-not-call list",
    description:
      "The workspace's entries in the key's mode, in phone order (E.164 as text; the list's key, so paging stays " +
      "cheap however long it is), in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the " +
      "next page. `phone` finds one number. An unknown parameter or a bad value is a 422 listing every bad " +
      "parameter. Secret keys with dnc:read.",
    returns: "A page of entries",
    query: DncListQuery,
    schema: DncList,
  },
  (db, owner, q) => selectDncNumbers(db, owner, { phone: q.phone, after: q.cursor }, q.limit),
  (entry) => entry,
  (entry) => entry.phone,
);
