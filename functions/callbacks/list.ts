import type { App } from "../context.ts";
import { listCallbacks } from "../../db/queries/callbacks.ts";
import { requireKey } from "../lib/auth.ts";
import { describeRoute } from "../lib/openapi.ts";
import { toE164 } from "../../schemas/phone.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { CallbackList, CallbackListQuery } from "../../schemas/callbacks.ts";
import { decodeCursor, pageOf } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerListCallbacks(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/callbacks",
    summary: "List callbacks",
    description:
      "Newest first, in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the next page. " +
      "Filters combine with AND. An unknown parameter or a bad value is a 422 listing every bad parameter.",
    tags: ["callbacks"],
    auth: "key",
    query: CallbackListQuery,
    responses: {
      200: { description: "A page of callbacks", schema: CallbackList },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without callbacks:read"),
      422: problem("Every invalid query parameter"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.get("/v1/callbacks", requireKey({ scope: "callbacks:read" }), rateLimit(), validate("query", CallbackListQuery), async (c) => {
    const { workspace, mode } = c.var.caller;
    const q = c.req.valid("query");
    const rows = await listCallbacks(
      c.var.db,
      { workspaceId: workspace.id, mode },
      {
        status: q.status,
        leadId: q.lead_id,
        phone: q.phone === undefined ? undefined : toE164(q.phone)!,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
        before: q.cursor === undefined ? undefined : decodeCursor("callback", q.cursor)!,
      },
      q.limit,
    );
    return c.json(CallbackList.parse(pageOf(rows as { id: string }[], q.limit)));
  });
}
