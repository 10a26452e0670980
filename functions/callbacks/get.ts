import type { App } from "../context.ts";
import { findCallback } from "../../db/queries/callbacks.ts";
import { requireKey } from "../lib/auth.ts";
import { ApiError } from "../lib/errors.ts";
import { isId } from "../../schemas/ids.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerGetCallback(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/callbacks/{id}",
    summary: "Get a callback",
    description: "Secret keys with callbacks:read. Another workspace's callback, or one of the other mode (live vs test), is a 404.",
    tags: ["callbacks"],
    auth: "key",
    responses: {
      200: { description: "The callback", schema: Callback },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without callbacks:read"),
      404: problem("No such callback in this workspace and mode"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.get("/v1/callbacks/:id", requireKey({ scope: "callbacks:read" }), rateLimit(), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    const callback = isId("callback", id) ? await findCallback(c.var.db, { workspaceId: workspace.id, mode }, id) : null;
    if (!callback) throw new ApiError("not_found", `No callback ${id}`);
    return c.json(Callback.parse(callback));
  });
}
