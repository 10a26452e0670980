import { callbackAttempts } from "../../db/queries/callbacks.ts";
import { callbacks } from "../routes/resources.ts";
import { CallAttemptList } from "../../schemas/callbacks.ts";

export const listCallbackAttempts = callbacks.get({
  action: "attempts",
  summary: "List a callback's call attempts",
  description:
    "Every leg of every attempt, oldest first: each agent rung, the lead's call once bridged, their statuses, who " +
    "answered the lead's phone, the recording, and when each step happened. The same fields as the call.* events. " +
    "Secret keys with callbacks:read.",
  returns: "The attempts",
  schema: CallAttemptList,
}, callbackAttempts);
