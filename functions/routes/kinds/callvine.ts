import { ApiError } from "../../lib/errors.ts";
import { renderCallvine } from "../../intake/callvine-errors.ts";
import { CallvineError } from "../../../schemas/callvine.ts";
import { keyedKind, refuseMethod } from "../steps.ts";

/**
 * Seed 001's call-log intake (callvine.ai): secret keys in X-API-Key or Authorization, CORS,
 * the seed's {"error", "message"} bodies, and its check order: method (405), declared body size
 * (413), key (401, 403), rate limit (429), content type (415), JSON (400), Idempotency-Key, then
 * the fields (400).
 */
export const callvine = keyedKind({
  name: "callvine",
  error: { schema: CallvineError, contentType: "application/json" },
  // Fields are checked as the seed does: the first that fails is a 400, so a 422 is only a reused key.
  errors: {
    400: "Invalid request data: the first failing check, as the seed shows it",
    422: "An Idempotency-Key reused with another request",
    500: "Database error",
  },
  // The seed names X-API-Key first.
  // Secret keys from web pages, as the seed has it: the one kind that keeps that (README, API keys).
  keys: { sources: ["x-api-key", "authorization"], kinds: ["secret"], secretFromBrowsers: true },
  render: renderCallvine,
  anyOriginCors: ["POST"],
  // Any other method; OPTIONS is answered by CORS, HEAD comes here as the GET it is routed as.
  methodNotAllowed: (allowed) =>
    refuseMethod(() => new ApiError("method_not_allowed", `This endpoint only accepts ${allowed.join(" and ")} requests`, { headers: { Allow: [...allowed, "OPTIONS"].join(", ") } })),
});
