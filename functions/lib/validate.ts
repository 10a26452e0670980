import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { z } from "zod";
import type { MiddlewareHandler } from "hono";
import { checkValue, isJsonType } from "./body.ts";
import { ApiError } from "./errors.ts";
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
  const validator = zValidator(
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
  if (target !== "json") return validator;
  // Hono's json validator reads a body of another type as {}, which a schema of optional fields
  // takes for an empty request. Only a request with no body and no type is one.
  const jsonOnly: MiddlewareHandler = async (c, next) => {
    const type = c.req.header("content-type");
    if (!isJsonType(type) && (type !== undefined || (await c.req.text()).length > 0)) {
      throw new ApiError("unsupported_media_type", "Content-Type must be application/json", { facts: { reason: "content_type" } });
    }
    return validator(c, next);
  };
  return jsonOnly as typeof validator;
}
