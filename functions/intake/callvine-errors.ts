import type { ApiError, ErrorCode, RenderedError } from "../lib/errors.ts";
import type { Issue } from "../../schemas/problem.ts";
import { callLogMessages, requiredCallLogFields } from "../../schemas/callvine.ts";

// Seed 001's error bodies, {"error", "message"} plus the seed's extra fields, with the seed's
// statuses: every request-data problem is a 400. The seed answers one problem per response, so
// when several apply, the first in this order is answered: missing fields (all listed), wrong
// types or over-long values (all listed), unknown fields (all listed), start_time format,
// end_time format, time range, recording URL. Refusals the seed does not show (403, 404, 409,
// 413, 415, 429, 503) keep its shape, with an `error` title and a `message`.

const json = (status: number, body: Record<string, unknown>): RenderedError => ({ status, body, contentType: "application/json" });

const titles: Partial<Record<ErrorCode, string>> = {
  bad_request: "Bad request",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  unavailable: "Service unavailable",
};

export function renderCallvine(error: ApiError): RenderedError {
  switch (error.code) {
    case "unauthorized":
      return error.facts.reason === "missing"
        ? json(401, { error: "Authentication required", message: "API key must be provided in X-API-Key header or Authorization header" })
        : json(401, { error: "Invalid API key", message: "The provided API key is not valid" });
    case "method_not_allowed":
      return json(405, { error: "Method not allowed", message: "This endpoint only accepts POST requests", allowed_methods: ["POST"] });
    case "bad_request":
      if (error.facts.reason === "invalid_json") return json(400, { error: "Invalid JSON", message: "Request body must be valid JSON" });
      if (error.facts.reason === "control_character") return json(400, { error: "Invalid characters", message: error.message });
      if (error.facts.reason === "too_deep" || error.facts.reason === "forbidden_key") {
        return json(400, { error: "Invalid JSON", message: error.message });
      }
      return json(400, { error: "Bad request", message: error.message });
    case "validation_failed":
      // Without issues: the same Idempotency-Key sent with another body.
      if (error.issues.length === 0) return json(422, { error: "Idempotency key reused", message: error.message });
      return json(400, fieldError(error.issues));
    case "rate_limited": {
      const retryAfter = Number(error.facts.retryAfter ?? 60);
      return json(429, { error: "Rate limit exceeded", message: error.message, retry_after: retryAfter });
    }
    case "internal":
      // Every unexpected failure on this route is in the database (auth, idempotency, insert);
      // the details go to the log only. An outage is not one: it is a 503 (below) to retry.
      return json(500, { error: "Database error", message: "Failed to insert call log into database" });
    default:
      return json(error.status, { error: titles[error.code] ?? "Error", message: error.message });
  }
}

function fieldError(issues: Issue[]): Record<string, unknown> {
  if (issues.some((i) => i.path === "")) return { error: "Invalid JSON", message: "Request body must be a JSON object" };

  const missing = requiredCallLogFields.filter((field) => issues.some((i) => i.missing && i.path === field));
  if (missing.length > 0) {
    return { error: "Missing required fields", message: `The following fields are required: ${missing.join(", ")}`, missing_fields: missing };
  }

  const known = new Set<string>([callLogMessages.dateTime, callLogMessages.url, callLogMessages.range]);
  const unknown = issues.filter((i) => i.message === "is not a known field").map((i) => i.path);
  const invalid = issues.filter((i) => !known.has(i.message) && !unknown.includes(i.path));
  if (invalid.length > 0) {
    return {
      error: "Invalid field values",
      message: invalid.map((i) => `${i.path} ${describe(i.message)}`).join("; "),
      invalid_fields: [...new Set(invalid.map((i) => i.path))],
    };
  }
  if (unknown.length > 0) {
    return { error: "Unknown fields", message: `The following fields are not accepted: ${unknown.join(", ")}`, unknown_fields: unknown };
  }

  const has = (path: string, message: string) => issues.some((i) => i.path === path && i.message === message);
  if (has("start_time", callLogMessages.dateTime)) {
    return { error: "Invalid start_time format", message: `start_time ${callLogMessages.dateTime}`, example: "2024-01-15 09:00:00" };
  }
  if (has("end_time", callLogMessages.dateTime)) {
    return { error: "Invalid end_time format", message: `end_time ${callLogMessages.dateTime}`, example: "2024-01-15 09:15:00" };
  }
  if (has("end_time", callLogMessages.range)) return { error: "Invalid time range", message: "end_time must be after start_time" };
  // What is left is the recording URL's own message: every other issue was answered above.
  return { error: "Invalid recording URL", message: `recording_url ${callLogMessages.url}` };
}

// zod's wording ("Invalid input: expected string, received number") turned into the seed's plain style.
function describe(message: string): string {
  const type = /expected (\w+), received (\w+)/.exec(message);
  if (type) {
    // Both groups take part in every match, so the defaults are never used.
    const [, expected = "", received = ""] = type;
    return `must be ${article(expected)}, not ${article(received)}`;
  }
  const long = /<=\s*(\d+) characters/.exec(message);
  if (long) return `must be at most ${long[1]} characters`;
  return message;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
