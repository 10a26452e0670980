import { issuesByPath } from "../lib/dialect.ts";
import type { ErrorRenderer } from "../lib/errors.ts";

// Seed 000's error bodies: {"error": "Invalid API key"} (401), {"error": "Validation failed",
// "details": {field: [messages]}} (422, every bad field, paths relative to form_response), and
// {"error": "Rate limit exceeded", "retry_after": N} (429). Other refusals keep the same shape.
export const renderCallMeBack: ErrorRenderer = (error) => {
  const json = (status: number, body: unknown) => ({ status, body, contentType: "application/json" });
  switch (error.code) {
    case "unauthorized":
      return json(401, { error: "Invalid API key" });
    case "validation_failed":
      if (error.issues.length === 0) return json(422, { error: error.message });
      return json(422, {
        error: "Validation failed",
        details: issuesByPath(
          error.issues.map((i) => ({ path: i.path, message: i.missing ? "is required" : "is invalid" })),
          "form_response.",
        ),
      });
    case "rate_limited":
      return json(429, { error: "Rate limit exceeded", retry_after: Number(error.facts.retryAfter ?? 60) });
    default:
      return json(error.status, { error: error.message });
  }
};
