import type { App } from "../context.ts";
import { removeDncNumber } from "../../db/queries/dnc.ts";
import { requireKey } from "../lib/auth.ts";
import { ApiError } from "../lib/errors.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { DncPhoneParam, phoneOfParam } from "../../schemas/dnc.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerRemoveDncNumber(app: App) {
  describeRoute({
    method: "delete",
    path: "/v1/dnc/{phone}",
    summary: "Remove a number from the do-not-call list",
    description:
      "The phone is the entry's E.164 number, with its + percent-encoded (/v1/dnc/%2B14155550100) or left out " +
      "(/v1/dnc/14155550100); digits only, no spaces or national form (422). 204 when removed; 404 when the number " +
      "is not on the list in this workspace and mode, so a repeated DELETE is a 404. Secret keys with dnc:write.",
    tags: ["dnc"],
    auth: "key",
    responses: {
      204: { description: "Removed" },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without dnc:write"),
      404: problem("Not on the list in this workspace and mode"),
      422: problem("The path is not an E.164 number"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.delete("/v1/dnc/:phone", requireKey({ scope: "dnc:write" }), rateLimit(), validate("param", DncPhoneParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { phone: param } = c.req.valid("param");
    // toE164 canonicalises (+4402… is +442…) as the add did; a number it refuses was never added.
    const phone = phoneOfParam(param);
    if (!phone || !(await removeDncNumber(c.var.db, { workspaceId: workspace.id, mode }, phone))) {
      throw new ApiError("not_found", `${phone ?? `+${param.replace(/^\+/, "")}`} is not on the do-not-call list`);
    }
    return c.body(null, 204);
  });
}
