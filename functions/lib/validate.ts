import type { z } from "zod";
import type { Issue } from "../../schemas/problem.ts";

/** Every issue of a failed parse, each with its dotted field path. */
export function issuesOf(error: { issues: readonly z.core.$ZodIssue[] }): Issue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // One issue per unknown key, at the key's own path.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key].join("."), message: "is not a known field" }));
    }
    const missing = issue.code === "invalid_type" && / received undefined$/.test(issue.message);
    return [{ path: path.join("."), message: missing ? "is required" : issue.message, missing }];
  });
}
