import type { App } from "../context.ts";
import { cancelCallback } from "../../db/queries/callbacks.ts";
import { hangUp } from "../calls/hang-up.ts";
import { requireKey } from "../lib/auth.ts";
import { limitBody } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { idempotent } from "../lib/idempotency.ts";
import { isId, newId } from "../../schemas/ids.ts";
import { describeRoute } from "../lib/openapi.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { Callback, cancelableStatuses } from "../../schemas/callbacks.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerCancelCallback(app: App) {
  describeRoute({
    method: "post",
    path: "/v1/callbacks/{id}/cancel",
    summary: "Cancel a callback",
    description:
      "Cancels a callback before it ends: waiting (scheduled, retry_scheduled) or in a call (dialing, connected). " +
      "Status canceled, canceled_at set, next_attempt_at cleared, ended_reason canceled_by_api, and a " +
      "callback.completed event (the catalogue's event for a callback reaching a final status; data.status says " +
      "canceled), committed together. A call in progress is hung up. A callback that has already ended " +
      "(completed, exhausted, canceled, blocked) is a 409. No body is read. Idempotency-Key is honoured.",
    tags: ["callbacks"],
    auth: "key",
    responses: {
      200: { description: "The canceled callback", schema: Callback },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without callbacks:write"),
      404: problem("No such callback in this workspace and mode"),
      409: problem("The callback has ended; or an Idempotency-Key still running"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.post("/v1/callbacks/:id/cancel", limitBody(), requireKey({ scope: "callbacks:write" }), rateLimit(), validate("param", IdParam), idempotent(), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    if (!isId("callback", id)) throw new ApiError("not_found", `No callback ${id}`);
    const eventId = newId("event");
    const result = await cancelCallback(c.var.db, { workspaceId: workspace.id, mode }, id, eventId, cancelableStatuses);
    if (!result.found) throw new ApiError("not_found", `No callback ${id}`);
    if (!result.callback) {
      const now = (cancelableStatuses as readonly string[]).includes(result.status!) ? "changed state meanwhile" : `is ${result.status}`;
      throw new ApiError("conflict", `Callback ${id} ${now} and cannot be canceled`, { facts: { status: result.status } });
    }
    publishAfterCommit(c.env, c.executionCtx, [{ id: eventId }]);
    if (result.status === "dialing" || result.status === "connected") {
      c.executionCtx.waitUntil(hangUp(c.env, c.executionCtx, id, mode));
    }
    return c.json(Callback.parse(result.callback));
  });
}
