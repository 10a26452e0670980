import { Problem } from "../../../schemas/problem.ts";
import type { RouteKind } from "../route.ts";
import { checkText } from "../steps.ts";

/** Routes anyone may read: health, the OpenAPI document, the docs page. No key, no body. */
export const publicRoute: RouteKind = {
  name: "public",
  error: { schema: Problem, contentType: "application/problem+json" },
  errors: {},
  security: [],
  keys: null,
  pipeline: () => [checkText()],
  pathMiddleware: () => [],
};
