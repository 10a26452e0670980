import type { App } from "../context.ts";
import { findEvent } from "../../db/queries/events.ts";
import { requireKey } from "../lib/auth.ts";
import { ApiError } from "../lib/errors.ts";
import { describeRoute } from "../lib/openapi.ts";
import { envelopeOf } from "../lib/outbox.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { EventEnvelope } from "../../schemas/events.ts";
import { Problem } from "../../schemas/problem.ts";

export function registerGetEvent(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/events/{id}",
    summary: "Get an event",
    description: "The event in the envelope its webhooks carry.",
    tags: ["events"],
    auth: "key",
    responses: {
      200: { description: "The event", schema: EventEnvelope },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks events:read", schema: Problem, contentType: "application/problem+json" },
      404: { description: "No such event in this workspace and mode", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.get("/v1/events/:id", requireKey({ scope: "events:read" }), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    const row = await findEvent(c.var.db, { workspaceId: workspace.id, mode }, id);
    if (!row) throw new ApiError("not_found", `No event ${id}`);
    return c.json(EventEnvelope.parse(envelopeOf(row)));
  });
}
