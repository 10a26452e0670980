import { Problem } from "../../../schemas/problem.ts";
import { keyedKind, refusals } from "../steps.ts";

/**
 * Ringback's own API: secret keys in Authorization or X-API-Key, the workspace's rate limit
 * on every request, Idempotency-Key on every POST, JSON bodies of at most 64 KB, and
 * problem+json refusals.
 */
export const native = keyedKind({
  name: "native",
  error: { schema: Problem, contentType: "application/problem+json" },
  errors: {
    ...refusals,
    400: "A malformed request: JSON that does not parse, a control character or a lone surrogate, a bad Idempotency-Key",
    401: "Missing, unknown or revoked key",
    403: "A publishable key, or a key without the route's scope",
    404: "No such resource in this workspace and mode, or X-Agent-ID names no agent of it",
    415: "The body is not application/json",
    422: "Every invalid field, each with its path; or an Idempotency-Key reused with another request",
    429: "The workspace's hourly rate limit; Retry-After says when to retry",
  },
  security: [{ bearer: [] }, { apiKeyHeader: [] }],
  keys: { sources: ["authorization", "x-api-key"], kinds: ["secret"] },
});
