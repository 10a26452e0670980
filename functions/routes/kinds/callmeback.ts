import { renderCallMeBack } from "../../intake/callmeback-errors.ts";
import { CallMeBackError } from "../../../schemas/callmeback.ts";
import { keyedKind } from "../steps.ts";

/**
 * Seed 000's intake (CallMeBack): secret or publishable keys (Authorization: Bearer), called
 * from web pages (CORS), every refusal in the seed's {"error": …} shape.
 */
export const callmeback = keyedKind({
  name: "callmeback",
  error: { schema: CallMeBackError, contentType: "application/json" },
  errors: { 403: "A publishable key from another origin, a key without intake:write, or a live key on the sandbox host" },
  keys: { sources: ["authorization", "x-api-key"], kinds: ["secret", "publishable"] },
  render: renderCallMeBack,
  cors: ["POST"],
});
