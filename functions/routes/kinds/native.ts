import { Problem } from "../../../schemas/problem.ts";
import type { RouteKind } from "../route.ts";
import { type KeyedSteps, keyedPipeline } from "../steps.ts";

const keys: KeyedSteps["keys"] = { sources: ["authorization", "x-api-key"], kinds: ["secret"] };

/**
 * Ringback's own API: secret keys in Authorization or X-API-Key, the workspace's rate limit
 * on every request, Idempotency-Key on every POST, JSON bodies of at most 64 KB, and
 * problem+json refusals.
 */
export const native: RouteKind = {
  name: "native",
  error: { schema: Problem, contentType: "application/problem+json" },
  errors: {
    400: "A malformed request: JSON that does not parse, a control character or a lone surrogate, a bad Idempotency-Key",
    401: "Missing, unknown or revoked key",
    403: "A publishable key, or a key without the route's scope",
    404: "No such resource in this workspace and mode",
    409: "A request with this Idempotency-Key is still being processed",
    413: "The body is larger than 64 KB",
    415: "The body is not application/json",
    422: "Every invalid field, each with its path; or an Idempotency-Key reused with another request",
    429: "The workspace's hourly rate limit; Retry-After says when to retry",
    503: "The database cannot be reached; Retry-After says when to retry",
  },
  security: [{ bearer: [] }, { apiKeyHeader: [] }],
  keys,
  pipeline: (route, options) => keyedPipeline(route, options, { keys }),
  pathMiddleware: () => [],
};
