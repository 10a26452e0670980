import { renderCallMeBack } from "../../intake/callmeback-errors.ts";
import { CallMeBackError } from "../../../schemas/callmeback.ts";
import { keyedKind, refusals } from "../steps.ts";

/**
 * Seed 000's intake (CallMeBack): secret or publishable keys (Authorization: Bearer), called
 * from web pages (CORS), every refusal in the seed's {"error": …} shape.
 */
export const callmeback = keyedKind({
  name: "callmeback",
  error: { schema: CallMeBackError, contentType: "application/json" },
  errors: {
    ...refusals,
    400: "Malformed body: JSON that does not parse, a control character, a bad Idempotency-Key",
    401: "Invalid API key",
    403: "A publishable key from another origin, a key without intake:write, or a live key on the sandbox host",
    415: "The body is not application/json",
    422: "Validation failed, listing every bad field; or an Idempotency-Key reused with another request",
    429: "Rate limit exceeded",
  },
  security: [{ bearer: [] }, { apiKeyHeader: [] }],
  keys: { sources: ["authorization", "x-api-key"], kinds: ["secret", "publishable"] },
  render: renderCallMeBack,
  cors: ["POST"],
});
