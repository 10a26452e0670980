import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context.ts";
import { ApiError } from "../../lib/errors.ts";
import { readableBody } from "../../intake/add-call-params.ts";
import { renderBrightcall } from "../../intake/brightcall-errors.ts";
import { BrightcallError } from "../../../schemas/brightcall.ts";
import { keyedKind, refuseMethod } from "../steps.ts";

/**
 * Seed 003's add_call_api (Brightcall): links, form posts and Zapier webhooks, called from web
 * pages too with publishable keys (CORS per key), every refusal {"success": false, "error": {"code", "message", "fields"?}}.
 * The routes read their parameters themselves (query, JSON or form); a body that cannot be read
 * is refused before the key is looked for in it.
 */
export const brightcall = keyedKind({
  name: "brightcall",
  error: { schema: BrightcallError, contentType: "application/json" },
  errors: {
    403: "Publishable key from another origin, secret key from a web page, or no intake:write scope",
    415: "Body neither JSON nor a form",
    422: "Missing or invalid parameters, every one listed in error.fields",
  },
  // Plain links and form posts carry the key as api_key; a header key wins.
  keys: { sources: ["authorization", "x-api-key", "query", "body"], kinds: ["secret", "publishable"] },
  ownParams: { readBody: readableBody() },
  first: [refuseHead()],
  render: renderBrightcall,
  methodNotAllowed: (allowed) => refuseMethod(() => notAllowed(allowed)),
});

function notAllowed(allowed: string[]): ApiError {
  return new ApiError("method_not_allowed", `Use ${allowed.join(" or ")}`, { headers: { Allow: [...allowed, "OPTIONS"].join(", ") } });
}

// Hono answers HEAD with the GET route; a HEAD must not schedule a call.
function refuseHead(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "HEAD") throw notAllowed(["GET", "POST"]);
    await next();
  };
}
