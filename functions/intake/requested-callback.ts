import { Callback } from "../../schemas/callbacks.ts";
import { ApiError } from "../lib/errors.ts";
import type { Accepted } from "./accept.ts";

// An identical request within this window schedules no second call (db/queries/intake.ts).
const duplicateWindowMs = 10 * 60_000;

/**
 * The callback an explicit call request (make-call, add_call_api) stands for: the one it
 * scheduled, or, for an identical request within ten minutes, the earlier one's. An earlier
 * callback that was canceled is no call to answer "initiated" or "duplicate" with, and one that
 * cannot be read back is no answer at all: both are a 409 (Calldock's DUPLICATE_CALL), with
 * Retry-After saying when the same request will schedule a call again.
 */
export function requestedCallback(accepted: Accepted): { callback: Callback; duplicate: boolean } {
  if (accepted.callback) return { callback: Callback.parse(accepted.callback), duplicate: false };
  const earlier = accepted.earlierCallback ? Callback.parse(accepted.earlierCallback) : null;
  if (earlier && earlier.status !== "canceled") return { callback: earlier, duplicate: true };
  if (!earlier) {
    throw new ApiError("conflict", "An identical call was asked for in the last 10 minutes but could not be read back; retry", { facts: { reason: "duplicate" } });
  }
  // created_at is to the second: the window may end up to a second later than it says.
  const retryAfter = Math.max(1, Math.ceil((Date.parse(earlier.created_at) + duplicateWindowMs - Date.now()) / 1000) + 1);
  throw new ApiError(
    "conflict",
    `An identical call asked for in the last 10 minutes (${earlier.id}) was canceled, so no call was scheduled; the same request schedules one again in ${retryAfter} s`,
    { facts: { reason: "duplicate", retryAfter }, headers: { "Retry-After": String(retryAfter) } },
  );
}
