import type { ApiError, RenderedError } from "../lib/errors.ts";
import type { Issue } from "../../schemas/problem.ts";
import { type CalldockErrorCode, calldockErrorCodes } from "../../schemas/calldock.ts";

// Every error of POST /v1/make-call: {"success": false, "error": {"code", "message"}}, with the
// stable codes documented in schemas/calldock.ts. Field problems are all listed in `details`;
// the code names the first kind in this order: missing phone, bad phone, other bad field,
// unknown field.

// The status comes with the code (schemas/calldock.ts), so the two cannot disagree.
const body = (code: CalldockErrorCode, message: string, details?: { field: string; message: string }[]): RenderedError => ({
  status: calldockErrorCodes[code][0],
  body: { success: false, error: { code, message, ...(details && { details }) } },
  contentType: "application/json",
});

export function renderCalldock(error: ApiError): RenderedError {
  const { reason } = error.facts;
  switch (error.code) {
    case "unauthorized":
      if (reason === "agent_missing") return body("MISSING_AGENT_ID", error.message);
      return body("UNAUTHORIZED", reason === "missing" ? "An API key is required in the X-API-Key header" : "The API key is not valid");
    case "forbidden":
      return body(reason === "agent_inactive" ? "AGENT_INACTIVE" : "FORBIDDEN", error.message);
    case "bad_request":
      return body(reason === "invalid_json" ? "INVALID_JSON" : "INVALID_REQUEST", error.message);
    case "conflict":
      return body(reason === "duplicate" ? "DUPLICATE_CALL" : "REQUEST_IN_PROGRESS", error.message);
    case "validation_failed":
      if (error.issues.length === 0) return body("IDEMPOTENCY_KEY_REUSED", error.message);
      return fieldError(error.issues);
    case "rate_limited":
      return body(error.facts.policy === "phone" ? "PHONE_RATE_LIMITED" : "RATE_LIMITED", error.message);
    case "not_found":
      return body("AGENT_NOT_FOUND", error.message); // the only thing this route looks up
    case "method_not_allowed":
      return body("METHOD_NOT_ALLOWED", error.message);
    case "payload_too_large":
      return body("PAYLOAD_TOO_LARGE", error.message);
    case "unsupported_media_type":
      return body("UNSUPPORTED_MEDIA_TYPE", error.message);
    case "internal":
      return body("INTERNAL_ERROR", "An unexpected error occurred; please retry");
    case "unavailable":
      return body("SERVICE_UNAVAILABLE", error.message);
  }
}

function fieldError(issues: Issue[]): RenderedError {
  if (issues.some((i) => i.path === "")) return body("INVALID_REQUEST", "The request body must be a JSON object");
  const details = issues.map((i) => ({ field: i.path, message: i.message }));
  const message = details.map((d) => `${d.field} ${d.message}`).join("; ");
  const unknown = (i: Issue) => i.message === "is not a known field";
  const code: CalldockErrorCode = issues.some((i) => i.missing)
    ? "MISSING_FIELD"
    : issues.some((i) => i.path === "phone")
      ? "INVALID_PHONE"
      : issues.some((i) => !unknown(i))
        ? "INVALID_FIELD"
        : "UNKNOWN_FIELD";
  return body(code, message, details);
}
