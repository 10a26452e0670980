import { NeonDbError } from "@neondatabase/serverless";

// What a failed statement means for the client that sent the request.
//
// - "outage": the database could not be reached or would not take connections, or it gave up a
//   transaction another one was in the way of (a serialization failure, a deadlock). The request
//   was fine and a retry will work: a 503 with Retry-After.
// - "unstorable_text": PostgreSQL refused text it cannot store (a NUL, half of a UTF-16
//   surrogate pair). Input checks (lib/body.ts) refuse both before any SQL; this is the net
//   under them, so a gap there is the client's 400, not a 500. It is still logged: it is a gap.
// - null: anything else is a bug, and stays a 500. A syntax error, a missing column, a broken
//   constraint, a statement timeout, a protocol violation (08P01: a statement sent with the wrong
//   number of parameters) or the Worker's own subrequest limit are not outages: a retry gets the
//   same.

export type DatabaseFailure = "outage" | "unstorable_text";

/** Seconds a client is asked to wait after an outage, in Retry-After. */
export const outageRetryAfterSeconds = 10;

// SQLSTATEs of a database that is down or refusing connections: class 08 (connection
// exception) but 08P01, admin and crash shutdown, starting up or shutting down, and no connection
// slots; and of a transaction rolled back for another's sake: 40001 (serialization) and 40P01 (deadlock).
const outageStates = /^(08...|57P01|57P02|57P03|53300|40001|40P01)$/;
const protocolViolation = "08P01";
// Statuses of the SQL endpoint itself failing, not of PostgreSQL refusing a statement (that is a
// 400 with a SQLSTATE). Neon answers 500 when it cannot reach or wake the compute.
const outageStatuses = /^Server error \(HTTP status (500|502|503|504)\)/;

// Workers refuses a fetch past the invocation's subrequest limit ("Too many subrequests."); the
// Neon driver reports it as a failed fetch, but it is this code making too many, not an outage.
const subrequestLimit = /too many subrequests/i;

export function databaseFailure(err: unknown): DatabaseFailure | null {
  // drizzle wraps the driver's error in its own (DrizzleQueryError), as `cause`.
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const failure = failureOf(e);
    if (failure) return failure;
  }
  return null;
}

function failureOf(e: Error): DatabaseFailure | null {
  // The HTTP driver's fetch failed: refused, reset, DNS, TLS, timed out or aborted.
  if (e instanceof NeonDbError && e.sourceError !== undefined) return subrequestLimit.test(`${e.message} ${e.sourceError.message}`) ? null : "outage";
  if (e instanceof NeonDbError && outageStatuses.test(e.message)) return "outage";
  const code = "code" in e ? e.code : undefined;
  const detail = "detail" in e ? e.detail : undefined;
  if (typeof code !== "string") return null;
  if (outageStates.test(code) && code !== protocolViolation) return "outage";
  // 22021: a NUL in text; 22P05: \u0000 in jsonb ("unsupported Unicode escape sequence");
  // 22P02 is any malformed input, so only when PostgreSQL says a surrogate broke the jsonb.
  if (code === "22021" || code === "22P05") return "unstorable_text";
  if (code === "22P02" && /surrogate/i.test(`${e.message} ${typeof detail === "string" ? detail : ""}`)) return "unstorable_text";
  return null;
}
