import type { App } from "../context.ts";
import { listLeads } from "../../db/queries/leads.ts";
import { requireKey } from "../lib/auth.ts";
import { describeRoute } from "../lib/openapi.ts";
import { toE164 } from "../../schemas/phone.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { LeadList, LeadListQuery } from "../../schemas/leads.ts";
import { decodeCursor, pageOf } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerListLeads(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/leads",
    summary: "List leads",
    description:
      "Newest first, in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the next page. " +
      "Filters combine with AND. An unknown parameter or a bad value is a 422 listing every bad parameter.",
    tags: ["leads"],
    auth: "key",
    query: LeadListQuery,
    responses: {
      200: { description: "A page of leads", schema: LeadList },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without leads:read"),
      422: problem("Every invalid query parameter"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.get("/v1/leads", requireKey({ scope: "leads:read" }), rateLimit(), validate("query", LeadListQuery), async (c) => {
    const { workspace, mode } = c.var.caller;
    const q = c.req.valid("query");
    const rows = await listLeads(
      c.var.db,
      { workspaceId: workspace.id, mode },
      {
        phone: q.phone === undefined ? undefined : toE164(q.phone)!,
        email: q.email,
        domainId: q.domain_id,
        before: q.cursor === undefined ? undefined : decodeCursor("lead", q.cursor)!,
      },
      q.limit,
    );
    return c.json(LeadList.parse(pageOf(rows as { id: string }[], q.limit)));
  });
}
