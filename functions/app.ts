import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./context.ts";
import { httpDb } from "../db/client.ts";
import { consoleRoutes } from "./console/routes.tsx";
import { databaseFailure, outageRetryAfterSeconds } from "./lib/db-errors.ts";
import { ApiError } from "./lib/errors.ts";
import { loggable } from "./lib/log-error.ts";
import { errorResponse } from "./lib/respond-error.ts";
import { issuesOf } from "./lib/validate.ts";
import { openApiDocument } from "./routes/document.ts";
import { allRoutes } from "./routes/index.ts";
import { mountRoutes } from "./routes/mount.ts";
import { registerWebhookCatalogue } from "./webhooks/catalogue.ts";

export function newApp() {
  const app = new OpenAPIHono<AppEnv>({
    // Every failed parse of a declared request part, rendered in the route's error shape.
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("validation_failed", `The request ${result.target} is not valid`, { issues: issuesOf(result.error) });
      }
    },
  });

  app.use(async (c, next) => {
    c.set("db", httpDb(c.env));
    await next();
    // A key in a URL leaks through the Referer of anything the response links to.
    if (new URL(c.req.url).searchParams.has("api_key")) c.header("Referrer-Policy", "no-referrer");
  });

  let document: object | undefined;
  mountRoutes(app, allRoutes(() => (document ??= openApiDocument(app))));
  registerWebhookCatalogue(app);
  // The operator console at /: its pages call the routes above in-process (console/api.ts).
  app.route("/", consoleRoutes((request, env, ctx) => app.fetch(request, env, ctx)));

  app.notFound((c) => errorResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const error = toApiError(err);
    // Refusals are expected; a bug, an outage or a gap in the input checks is logged with its
    // stack, but never with a failed statement's parameters (lib/log-error.ts).
    if (error.code === "internal" || !(err instanceof ApiError || err instanceof HTTPException)) console.error(loggable(err));
    if (new URL(c.req.url).searchParams.has("api_key")) error.headers["Referrer-Policy"] = "no-referrer";
    return errorResponse(c, error);
  });
  return app;
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    // Hono's own 4xx, e.g. a malformed JSON body seen by the validator.
    if (err.status === 413) return new ApiError("payload_too_large", "The request body is too large");
    if (err.status === 415) return new ApiError("unsupported_media_type", err.message, { facts: { reason: "content_type" } });
    if (err.status >= 400 && err.status < 500) return new ApiError("bad_request", err.message);
  }
  switch (databaseFailure(err)) {
    case "outage":
      return new ApiError("unavailable", `The service is temporarily unavailable; retry after ${outageRetryAfterSeconds} seconds`, {
        headers: { "Retry-After": String(outageRetryAfterSeconds) },
        facts: { reason: "outage", retryAfter: outageRetryAfterSeconds },
      });
    case "unstorable_text":
      return new ApiError("bad_request", "The request contains text that cannot be stored (a NUL character or half of a surrogate pair)", {
        facts: { reason: "control_character" },
      });
  }
  // Anything else is a bug: the client gets a generic message, the log the stack.
  return new ApiError("internal", "An unexpected error occurred");
}
