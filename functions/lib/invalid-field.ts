import { ApiError } from "./errors.ts";

/** A 422 on one field of a JSON body, for what only the handler can check (a URL's host, a row it names). */
export const invalidField = (path: string, message: string) =>
  new ApiError("validation_failed", "The request json is not valid", { issues: [{ path, message }] });
