import type { App } from "../context.ts";
import { updateLead } from "../../db/queries/leads.ts";
import { requireKey } from "../lib/auth.ts";
import { jsonBody, limitBody } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { isId, newId } from "../../schemas/ids.ts";
import { describeRoute } from "../lib/openapi.ts";
import { publishAfterCommit } from "../lib/outbox.ts";
import { toE164 } from "../../schemas/phone.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { Lead, UpdateLead } from "../../schemas/leads.ts";
import { canonicalTimeZone, IdParam } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerUpdateLead(app: App) {
  describeRoute({
    method: "patch",
    path: "/v1/leads/{id}",
    summary: "Update a lead",
    description:
      "Changes the fields given and leaves the rest; null clears a field. custom_fields is merged one level deep " +
      "(a key set to null is removed). The phone cannot be changed: it is the lead's identity (422). Every " +
      "successful PATCH writes a lead.updated event whose data is the lead as this response shows it, committed " +
      "with the change. Opting out does not cancel callbacks already scheduled; cancel them with " +
      "POST /v1/callbacks/{id}/cancel. Secret keys with leads:write.",
    tags: ["leads"],
    auth: "key",
    body: UpdateLead,
    responses: {
      200: { description: "The updated lead", schema: Lead },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without leads:write"),
      404: problem("No such lead in this workspace and mode"),
      422: problem("Every invalid or unknown field, each with its path"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.patch(
    "/v1/leads/:id",
    limitBody(),
    requireKey({ scope: "leads:write" }),
    rateLimit(),
    validate("param", IdParam),
    jsonBody(),
    validate("json", UpdateLead),
    async (c) => {
      const { workspace, mode } = c.var.caller;
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      if (!isId("lead", id)) throw new ApiError("not_found", `No lead ${id}`);
      const eventId = newId("event");
      const lead = await updateLead(
        c.var.db,
        { workspaceId: workspace.id, mode },
        id,
        {
          name: body.name,
          email: body.email,
          phone2: body.phone_2 == null ? body.phone_2 : toE164(body.phone_2)!,
          timezone: body.timezone == null ? body.timezone : canonicalTimeZone(body.timezone),
          customFields: body.custom_fields,
          optedOut: body.opted_out,
        },
        eventId,
      );
      if (!lead) throw new ApiError("not_found", `No lead ${id}`);
      publishAfterCommit(c.env, c.executionCtx, [{ id: eventId }]);
      return c.json(Lead.parse(lead));
    },
  );
}
