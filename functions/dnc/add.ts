import type { App } from "../context.ts";
import { addDncNumber } from "../../db/queries/dnc.ts";
import { requireKey } from "../lib/auth.ts";
import { jsonBody, limitBody } from "../lib/body.ts";
import { idempotent } from "../lib/idempotency.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { AddDncEntry, DncEntry, dncPhoneOf } from "../../schemas/dnc.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerAddDncNumber(app: App) {
  describeRoute({
    method: "post",
    path: "/v1/dnc",
    summary: "Add a number to the do-not-call list",
    description:
      "Puts the phone, normalised to E.164, on the workspace's do-not-call list for the key's mode: the dialler " +
      "checks it before every call. A national number needs country; without it the phone must be international. " +
      "Adding a number already on the list is not an error: 200 (not 201) with the entry as it is, its reason and " +
      "created_at unchanged. Secret keys with dnc:write. Idempotency-Key is honoured.",
    tags: ["dnc"],
    auth: "key",
    body: AddDncEntry,
    responses: {
      201: { description: "Added", schema: DncEntry },
      200: { description: "Already on the list; the entry unchanged", schema: DncEntry },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without dnc:write"),
      409: problem("A request with this Idempotency-Key is still running"),
      422: problem("Every invalid or unknown field, each with its path"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.post(
    "/v1/dnc",
    limitBody(),
    requireKey({ scope: "dnc:write" }),
    rateLimit(),
    jsonBody(),
    idempotent(),
    validate("json", AddDncEntry),
    async (c) => {
      const { workspace, mode } = c.var.caller;
      const body = c.req.valid("json");
      // The schema has refused a body whose phone does not normalise.
      const phone = dncPhoneOf(body)!;
      const { entry, created } = await addDncNumber(c.var.db, { workspaceId: workspace.id, mode }, phone, body.reason ?? null);
      return c.json(DncEntry.parse(entry), created ? 201 : 200);
    },
  );
}
