import type { ApiError, RenderedError } from "../lib/errors.ts";
import type { Issue } from "../../schemas/problem.ts";
import type { CalldockErrorCode } from "../../schemas/calldock.ts";

// Every error of POST /v1/make-call: {"success": false, "error": {"code", "message"}}, with the
// stable codes documented in schemas/calldock.ts. Field problems are all listed in `details`;
// the code names the first kind in this order: missing phone, bad phone, other bad field,
// unknown field.

const body = (status: number, code: CalldockErrorCode, message: string, details?: { field: string; message: string }[]): RenderedError => ({
  status,
  body: { success: false, error: { code, message, ...(details && { details }) } },
  contentType: "application/json",
});

export function renderCalldock(error: ApiError): RenderedError {
  const { reason } = error.facts;
  switch (error.code) {
    case "unauthorized":
      if (reason === "agent_missing") return body(401, "MISSING_AGENT_ID", error.message);
      return body(401, "UNAUTHORIZED", reason === "missing" ? "An API key is required in the X-API-Key header" : "The API key is not valid");
    case "forbidden":
      return body(403, reason === "agent_inactive" ? "AGENT_INACTIVE" : "FORBIDDEN", error.message);
    case "bad_request":
      return body(400, reason === "invalid_json" ? "INVALID_JSON" : "INVALID_REQUEST", error.message);
    case "conflict":
      return body(409, reason === "duplicate" ? "DUPLICATE_CALL" : "REQUEST_IN_PROGRESS", error.message);
    case "validation_failed":
      if (error.issues.length === 0) return body(422, "IDEMPOTENCY_KEY_REUSED", error.message);
      return fieldError(error.issues);
    case "rate_limited":
      return body(429, error.facts.policy === "phone" ? "PHONE_RATE_LIMITED" : "RATE_LIMITED", error.message);
    case "not_found":
      return body(404, "AGENT_NOT_FOUND", error.message); // the only thing this route looks up
    case "method_not_allowed":
      return body(405, "METHOD_NOT_ALLOWED", error.message);
    case "payload_too_large":
      return body(413, "PAYLOAD_TOO_LARGE", error.message);
    case "unsupported_media_type":
      return body(415, "UNSUPPORTED_MEDIA_TYPE", error.message);
    case "internal":
      return body(500, "INTERNAL_ERROR", "An unexpected error occurred; please retry");
    case "unavailable":
      return body(503, "SERVICE_UNAVAILABLE", error.message);
  }
}

function fieldError(issues: Issue[]): RenderedError {
  if (issues.some((i) => i.path === "")) return body(400, "INVALID_REQUEST", "The request body must be a JSON object");
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
  return body(400, code, message, details);
}
