import type { App } from "../context.ts";
import { listEvents } from "../../db/queries/events.ts";
import { requireKey } from "../lib/auth.ts";
import { describeRoute } from "../lib/openapi.ts";
import { envelopeOf } from "../lib/outbox.ts";
import { validate } from "../lib/validate.ts";
import { page } from "../lib/webhook-resources.ts";
import { EventList, EventListQuery } from "../../schemas/events.ts";
import { decodeCursor } from "../../schemas/common.ts";
import { Problem } from "../../schemas/problem.ts";

export function registerListEvents(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/events",
    summary: "List events",
    description: "Events of the key's workspace and mode, newest first, each in the envelope webhooks carry.",
    tags: ["events"],
    auth: "key",
    query: EventListQuery,
    responses: {
      200: { description: "A page of events", schema: EventList },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      403: { description: "The key lacks events:read", schema: Problem, contentType: "application/problem+json" },
      422: { description: "Invalid query", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.get("/v1/events", requireKey({ scope: "events:read" }), validate("query", EventListQuery), async (c) => {
    const { workspace, mode } = c.var.caller;
    const query = c.req.valid("query");
    const rows = await listEvents(c.var.db, { workspaceId: workspace.id, mode }, { type: query.type, limit: query.limit, startingAfter: query.cursor ? decodeCursor("event", query.cursor)! : undefined });
    return c.json(EventList.parse(page(rows, query.limit, envelopeOf)));
  });
}
