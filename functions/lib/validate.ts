import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { z } from "zod";
import { ApiError, type Issue } from "./errors.ts";

/** Every issue of a failed parse, each with its dotted field path. */
export function issuesOf(error: { issues: readonly z.core.$ZodIssue[] }): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

/** zValidator with Ringback's error model: a failure reports every issue, not just the first. */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new ApiError("validation_failed", `The request ${target} is not valid`, {
        issues: issuesOf(result.error),
      });
    }
  });
}
