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
  name: "CallMeBack",
  error: { schema: CallMeBackError, contentType: "application/json" },
  errors: {
    401: "Invalid API key",
    422: "Validation failed, listing every bad field",
    429: "Rate limit exceeded",
    503: "The database cannot be reached; Retry-After says when to retry",
  },
  security: [{ bearer: [] }, { apiKeyHeader: [] }],
  keys,
  pipeline: (route, options) => keyedPipeline(route, options, { keys }),
  pathMiddleware: () => [dialect(renderCallMeBack), browserCors(["POST"])],
};
