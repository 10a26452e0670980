import { getCallLog as findCallLog } from "../../db/queries/call-logs.ts";
import { callLogs } from "../routes/resources.ts";
import { CallLog } from "../../schemas/call-logs.ts";

// The resource has checked the id is a whole number a call log can have (else 404).
export const getCallLog = callLogs.get({
  summary: "Get a call log",
  description:
    "A call log by its integer id, as POST /webhook.php answered it. Secret keys with callbacks:read. Another " +
    "workspace's log, one of the other mode, and an id that is not a whole number from 1 to 2147483647 are a 404.",
  returns: "The call log",
  schema: CallLog,
}, (db, owner, id) => findCallLog(db, owner, Number(id)));
