import { listCallLogs as selectCallLogs } from "../../db/queries/call-logs.ts";
import { callLogs, filteredListDescription } from "../routes/resources.ts";
import { CallLog, CallLogList, CallLogListQuery } from "../../schemas/call-logs.ts";

// The schema has parsed phone to the digit strings it matches, and cursor to the id it points at.
export const listCallLogs = callLogs.list(
  {
    summary: "List call logs",
    description:
      `The call logs stored by callvine's POST /webhook.php (and POST /v1/call_logs), by their integer id. ` +
      `${filteredListDescription} Secret keys with callbacks:read; errors are problem+json, as on the rest of the native API.`,
    returns: "A page of call logs",
    query: CallLogListQuery,
    schema: CallLogList,
  },
  (db, owner, q) =>
    selectCallLogs(
      db,
      owner,
      { phoneDigits: q.phone, handledBy: q.handled_by, callAttemptId: q.call_attempt_id, before: q.cursor === undefined ? undefined : Number(q.cursor) },
      q.limit,
    ),
  (row) => CallLog.parse(row),
  (log) => String(log.id),
);
