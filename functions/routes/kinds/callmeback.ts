import { renderCallMeBack } from "../../intake/callmeback-errors.ts";
import { CallMeBackError } from "../../../schemas/callmeback.ts";
import { keyedKind } from "../steps.ts";

/**
 * Seed 000's intake (CallMeBack): secret keys (Authorization: Bearer) from servers, publishable
 * keys from web pages (in a header, or `api_key` in the URL, with CORS per key), every refusal in
 * the seed's {"error": …} shape.
 */
export const callmeback = keyedKind({
  name: "callmeback",
  error: { schema: CallMeBackError, contentType: "application/json" },
  errors: { 403: "A publishable key from another origin, a secret key from a web page or in the URL, a key without intake:write, or a live key on the sandbox host" },
  keys: { sources: ["authorization", "x-api-key"], kinds: ["secret", "publishable"] },
  render: renderCallMeBack,
});
