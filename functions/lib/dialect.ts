import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import type { ErrorRenderer } from "./errors.ts";

/** Makes errors on this route come out in a compatibility API's own shape. Put it first. */
export function dialect(render: ErrorRenderer): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("renderError", render);
    await next();
  };
}

/**
 * Groups issues by field path, as { "form_data.email": ["is invalid"] }. The paths are the
 * client's field names, so the map has no prototype: a field named `valueOf` is just a field.
 */
export function issuesByPath(issues: { path: string; message: string }[], strip = ""): Record<string, string[]> {
  const grouped: Record<string, string[]> = Object.create(null);
  for (const { path, message } of issues) {
    const key = (path.startsWith(strip) ? path.slice(strip.length) : path) || "body";
    const messages = grouped[key];
    if (messages) messages.push(message);
    else grouped[key] = [message];
  }
  return grouped;
}
