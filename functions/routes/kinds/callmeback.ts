import { browserCors } from "../../lib/browser.ts";
import { dialect } from "../../lib/dialect.ts";
import { renderCallMeBack } from "../../intake/callmeback-errors.ts";
import { CallMeBackError } from "../../../schemas/callmeback.ts";
import type { RouteKind } from "../route.ts";
import { type KeyedSteps, keyedPipeline } from "../steps.ts";

const keys: KeyedSteps["keys"] = { sources: ["authorization", "x-api-key"], kinds: ["secret", "publishable"] };

/**
 * Seed 000's intake (CallMeBack): secret or publishable keys (Authorization: Bearer), called
 * from web pages (CORS), every refusal in the seed's {"error": …} shape.
 */
export const callmeback: RouteKind = {
  name: "callmeback",
  error: { schema: CallMeBackError, contentType: "application/json" },
  errors: {
    400: "Malformed body: JSON that does not parse, a control character, a bad Idempotency-Key",
    401: "Invalid API key",
    403: "A publishable key from another origin, a key without intake:write, or a live key on the sandbox host",
    409: "A request with this Idempotency-Key is still being processed",
    413: "The body is larger than 64 KB",
    415: "The body is not application/json",
    422: "Validation failed, listing every bad field; or an Idempotency-Key reused with another request",
    429: "Rate limit exceeded",
    503: "The database cannot be reached; Retry-After says when to retry",
  },
  security: [{ bearer: [] }, { apiKeyHeader: [] }],
  keys,
  pipeline: (route, options) => keyedPipeline(route, options, { keys }),
  pathMiddleware: () => [dialect(renderCallMeBack), browserCors(["POST"])],
};
