import { CheckViolation } from "../../db/queries/checks.ts";
import { domainChecks } from "../../schemas/domains.ts";
import { ApiError } from "./errors.ts";

/**
 * Runs a write of domain settings, answering the database's refusal of one of its CHECKs as the
 * 422 its field would get from the schema. Only a PATCH of one side of a pair against the stored
 * other side gets that far; everything else the schema has refused already.
 */
export async function checkedDomainWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof CheckViolation)) throw err;
    const issue = domainChecks[err.constraint];
    // A CHECK without words here is one no request should reach: a bug, the 500 it is.
    if (!issue) throw err;
    throw new ApiError("validation_failed", "The request json is not valid", { issues: [issue] });
  }
}
