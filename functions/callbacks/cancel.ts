import { cancelCallback as cancelStoredCallback } from "../../db/queries/callbacks.ts";
import { hangUp } from "../calls/hang-up.ts";
import { ApiError } from "../lib/errors.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { callbacks } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { Callback, cancelableStatuses } from "../../schemas/callbacks.ts";
import { newId } from "../../schemas/ids.ts";

export const cancelCallback = callbacks.member({
  method: "post",
  action: "cancel",
  summary: "Cancel a callback",
  description:
    "Cancels a callback before it ends: waiting (scheduled, retry_scheduled) or in a call (dialing, connected). " +
    "Status canceled, canceled_at set, next_attempt_at cleared, ended_reason canceled_by_api, and a " +
    "callback.completed event (the catalogue's event for a callback reaching a final status; data.status says " +
    "canceled), committed together. A call in progress is hung up. A callback that has already ended " +
    "(completed, exhausted, canceled, blocked) is a 409. No body is read. Secret keys with callbacks:write. " +
    "Idempotency-Key is honoured.",
  responses: { 200: jsonResponse("The canceled callback", Callback) },
  errors: { 409: "The callback has ended; or a request with this Idempotency-Key is still being processed" },
}, async (c, id) => {
  const { mode } = c.var.caller;
  const eventId = newId("event");
  const result = await cancelStoredCallback(c.var.db, c.var.owner, id, eventId, cancelableStatuses);
  const { status } = result;
  if (status === null) throw callbacks.notFound(id);
  if (!result.callback) {
    const now = cancelableStatuses.some((s) => s === status) ? "changed state meanwhile" : `is ${status}`;
    throw new ApiError("conflict", `Callback ${id} ${now} and cannot be canceled`, { facts: { status } });
  }
  publishAfterCommit(c.env, c.executionCtx, [{ id: eventId }]);
  if (status === "dialing" || status === "connected") {
    c.executionCtx.waitUntil(hangUp(c.env, c.executionCtx, id, mode));
  }
  return c.json(Callback.parse(result.callback), 200);
});
