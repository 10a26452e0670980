import { ApiError } from "../../lib/errors.ts";
import { renderCallvine } from "../../intake/callvine-errors.ts";
import { CallvineError } from "../../../schemas/callvine.ts";
import { keyedKind, refuseMethod, refusals } from "../steps.ts";

/**
 * Seed 001's call-log intake (callvine.ai): secret keys in X-API-Key or Authorization, CORS,
 * the seed's {"error", "message"} bodies, and its check order: method (405), declared body size
 * (413), key (401, 403), rate limit (429), content type (415), JSON (400), Idempotency-Key, then
 * the fields (400).
 */
export const callvine = keyedKind({
  name: "callvine",
  error: { schema: CallvineError, contentType: "application/json" },
  errors: {
    ...refusals,
    400: "Invalid request data: the first failing check, as the seed shows it",
    401: "Authentication required, or invalid API key",
    403: "A publishable key, or a key without intake:write",
    405: "Method not allowed (Allow: POST, OPTIONS)",
    413: "Body over 64 KB",
    415: "Content-Type is not application/json",
    422: "An Idempotency-Key reused with another request",
    429: "Rate limit exceeded; Retry-After says when to retry",
    500: "Database error",
  },
  security: [{ apiKeyHeader: [] }, { bearer: [] }],
  // The seed names X-API-Key first.
  keys: { sources: ["x-api-key", "authorization"], kinds: ["secret"] },
  render: renderCallvine,
  cors: ["POST"],
  // Any other method; OPTIONS is answered by CORS, HEAD comes here as the GET it is routed as.
  methodNotAllowed: (allowed) =>
    refuseMethod(() => new ApiError("method_not_allowed", `This endpoint only accepts ${allowed.join(" and ")} requests`, { headers: { Allow: [...allowed, "OPTIONS"].join(", ") } })),
});
