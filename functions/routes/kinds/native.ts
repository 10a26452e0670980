import { Problem } from "../../../schemas/problem.ts";
import { keyedKind } from "../steps.ts";

/**
 * Ringback's own API: secret keys in Authorization or X-API-Key, the workspace's rate limit
 * on every request, Idempotency-Key on every POST, JSON bodies of at most 64 KB, and
 * problem+json refusals.
 */
export const native = keyedKind({
  name: "native",
  error: { schema: Problem, contentType: "application/problem+json" },
  errors: { 404: "No such resource in this workspace and mode, or X-Agent-ID names no agent of it" },
  keys: { sources: ["authorization", "x-api-key"], kinds: ["secret"] },
});
