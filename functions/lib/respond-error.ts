import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { type ApiError, renderProblem } from "./errors.ts";

/**
 * The response for an error, in the dialect of the route that raised it. Made through the
 * context, so headers set earlier in the request (rate limits, Referrer-Policy) are kept.
 */
export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  const { status, body, contentType } = (c.var.renderError ?? renderProblem)(error);
  // A page (a signed link's refusals, for a person at a browser) is sent as the renderer wrote it.
  const text = typeof body === "string" && contentType.startsWith("text/html") ? body : JSON.stringify(body);
  return c.newResponse(text, status as 400, { ...error.headers, "Content-Type": contentType });
}
