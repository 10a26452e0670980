import type { App } from "../context.ts";
import { findLead } from "../../db/queries/leads.ts";
import { requireKey } from "../lib/auth.ts";
import { ApiError } from "../lib/errors.ts";
import { isId } from "../../schemas/ids.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { Lead } from "../../schemas/leads.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerGetLead(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/leads/{id}",
    summary: "Get a lead",
    description: "Secret keys with leads:read. Another workspace's lead, or one of the other mode (live vs test), is a 404.",
    tags: ["leads"],
    auth: "key",
    responses: {
      200: { description: "The lead", schema: Lead },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without leads:read"),
      404: problem("No such lead in this workspace and mode"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.get("/v1/leads/:id", requireKey({ scope: "leads:read" }), rateLimit(), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    const lead = isId("lead", id) ? await findLead(c.var.db, { workspaceId: workspace.id, mode }, id) : null;
    if (!lead) throw new ApiError("not_found", `No lead ${id}`);
    return c.json(Lead.parse(lead));
  });
}
