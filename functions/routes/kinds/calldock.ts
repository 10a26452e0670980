import { ApiError } from "../../lib/errors.ts";
import { renderCalldock } from "../../intake/calldock-errors.ts";
import { CalldockError } from "../../../schemas/calldock.ts";
import { keyedKind, refuseMethod } from "../steps.ts";

/**
 * Seed 002's make-call (Calldock): secret keys in X-API-Key (or Authorization: Bearer), called
 * from servers (the seed says never from a browser, so no CORS), every refusal
 * {"success": false, "error": {"code", "message"}} with the stable codes of schemas/calldock.ts,
 * which is why its refusals are documented by code rather than in the shared words.
 */
export const calldock = keyedKind({
  name: "calldock",
  error: { schema: CalldockError, contentType: "application/json" },
  errors: {
    400: "Invalid request: INVALID_JSON, INVALID_REQUEST, MISSING_FIELD, INVALID_PHONE, INVALID_FIELD, UNKNOWN_FIELD",
    401: "UNAUTHORIZED, MISSING_AGENT_ID",
    403: "FORBIDDEN, AGENT_INACTIVE",
    405: "METHOD_NOT_ALLOWED (Allow: POST)",
    409: "REQUEST_IN_PROGRESS (Idempotency-Key), DUPLICATE_CALL",
    413: "PAYLOAD_TOO_LARGE: body over 64 KB",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "IDEMPOTENCY_KEY_REUSED",
    429: "RATE_LIMITED, PHONE_RATE_LIMITED; Retry-After says when to retry",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE: the database cannot be reached; Retry-After says when to retry",
  },
  keys: { sources: ["authorization", "x-api-key"], kinds: ["secret"] },
  render: renderCalldock,
  methodNotAllowed: (allowed) =>
    refuseMethod(() => new ApiError("method_not_allowed", `This endpoint only accepts ${allowed.join(" and ")} requests`, { headers: { Allow: allowed.join(", ") } })),
});
