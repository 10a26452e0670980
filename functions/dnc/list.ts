import type { App } from "../context.ts";
import { listDncNumbers } from "../../db/queries/dnc.ts";
import { requireKey } from "../lib/auth.ts";
import { describeRoute } from "../lib/openapi.ts";
import { toE164 } from "../../schemas/phone.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { decodeDncCursor, DncList, DncListQuery, dncPageOf } from "../../schemas/dnc.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerListDncNumbers(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/dnc",
    summary: "List the do-not-call list",
    description:
      "The workspace's entries in the key's mode, in phone order (E.164 as text; the list's key, so paging stays " +
      "cheap however long it is), in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the " +
      "next page. `phone` finds one number. An unknown parameter or a bad value is a 422 listing every bad " +
      "parameter. Secret keys with dnc:read.",
    tags: ["dnc"],
    auth: "key",
    query: DncListQuery,
    responses: {
      200: { description: "A page of entries", schema: DncList },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without dnc:read"),
      422: problem("Every invalid query parameter"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.get("/v1/dnc", requireKey({ scope: "dnc:read" }), rateLimit(), validate("query", DncListQuery), async (c) => {
    const { workspace, mode } = c.var.caller;
    const q = c.req.valid("query");
    const entries = await listDncNumbers(
      c.var.db,
      { workspaceId: workspace.id, mode },
      {
        phone: q.phone === undefined ? undefined : toE164(q.phone)!,
        after: q.cursor === undefined ? undefined : decodeDncCursor(q.cursor)!,
      },
      q.limit,
    );
    return c.json(DncList.parse(dncPageOf(entries, q.limit)));
  });
}
