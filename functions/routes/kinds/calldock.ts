import { ApiError } from "../../lib/errors.ts";
import { renderCalldock } from "../../intake/calldock-errors.ts";
import { CalldockError, calldockRefusals } from "../../../schemas/calldock.ts";
import { keyedKind, refuseMethod } from "../steps.ts";

/**
 * Seed 002's make-call (Calldock): secret keys in X-API-Key (or Authorization: Bearer), called
 * from servers (the seed says never from a browser, so no CORS), every refusal
 * {"success": false, "error": {"code", "message"}} with the stable codes of schemas/calldock.ts,
 * which is why its refusals are documented by code, from that list, rather than in the shared words.
 */
export const calldock = keyedKind({
  name: "calldock",
  error: { schema: CalldockError, contentType: "application/json" },
  errors: calldockRefusals(),
  // The seed names X-API-Key first.
  keys: { sources: ["x-api-key", "authorization"], kinds: ["secret"] },
  render: renderCalldock,
  methodNotAllowed: (allowed) =>
    refuseMethod(() => new ApiError("method_not_allowed", `This endpoint only accepts ${allowed.join(" and ")} requests`, { headers: { Allow: allowed.join(", ") } })),
});
