import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { z } from "zod";
import { checkValue } from "./body.ts";
import { ApiError, type Issue } from "./errors.ts";

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

/**
 * zValidator with Ringback's error model: a failure reports every issue, not just the first.
 * Before the schema sees the value, it gets the checks every body gets (lib/body.ts): a path
 * parameter, a query filter or a body field with a NUL or half a surrogate pair is a 400 here,
 * never text PostgreSQL refuses later.
 */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return zValidator(
    target,
    schema,
    (result) => {
      if (!result.success) {
        throw new ApiError("validation_failed", `The request ${target} is not valid`, {
          issues: issuesOf(result.error),
        });
      }
    },
    {
      validationFunction: (s, value) => {
        checkValue(value, "", 0);
        // The library types this by a conditional TypeScript cannot resolve for a generic schema.
        return s.safeParseAsync(value) as never;
      },
    },
  );
}
