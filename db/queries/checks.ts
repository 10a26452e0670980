// A statement the database refused for breaking one of its CHECKs (SQLSTATE 23514), named by the
// constraint. Inputs are checked by their schemas first; this is for a change only the stored row
// can show to be wrong (one side of a pair changed by a PATCH), which is the client's 422, not a 500.
export class CheckViolation extends Error {
  override name = "CheckViolation";
  constructor(readonly constraint: string) {
    super(`violates the check ${constraint}`);
  }
}

/** Runs a statement, turning the database's refusal of a CHECK into a CheckViolation. */
export async function withChecks<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const constraint = violatedCheck(err);
    if (constraint !== null) throw new CheckViolation(constraint);
    throw err;
  }
}

// drizzle wraps the driver's error (Neon's or node-postgres's, both with code and constraint) as `cause`.
function violatedCheck(err: unknown): string | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = "code" in e ? e.code : undefined;
    const constraint = "constraint" in e ? e.constraint : undefined;
    if (code === "23514" && typeof constraint === "string") return constraint;
  }
  return null;
}
