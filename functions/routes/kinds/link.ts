import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../context.ts";
import { limitBody } from "../../lib/body.ts";
import { dialect } from "../../lib/dialect.ts";
import type { ErrorRenderer } from "../../lib/errors.ts";
import { contentSecurityPolicy, refusalPage } from "../../links/pages.ts";
import type { RouteKind } from "../route.ts";
import { checkText } from "../steps.ts";

/**
 * Signed links (/l/{token}): clicked by people and posted to by plain HTML forms, so no key (the
 * token is the authority, checked by the route), a form body of at most 64 KB, and every answer
 * a small HTML page that no other site may frame, that sends no Referer and is never cached.
 */
export const LinkPage = z.string().describe("A small HTML page saying what happened and how to go on").meta({ id: "LinkPage" });

const titles: Record<number, string> = {
  400: "This request could not be read",
  404: "This link does not work",
  413: "This request is too large",
  415: "This request could not be read",
  503: "Please try again shortly",
};

const renderPage: ErrorRenderer = (error) => {
  const title = titles[error.status] ?? "Something went wrong";
  // A 404 is a garbled or forged token: nothing about why, which would help forge one.
  const message = error.status === 404 ? "The link is incomplete or was changed. Check that you have all of it." : error.status >= 500 ? "We could not take your request just now." : error.message;
  return { status: error.status, body: refusalPage(title, message), contentType: "text/html; charset=UTF-8" };
};

function pageHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.header("Content-Security-Policy", await contentSecurityPolicy());
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Robots-Tag", "noindex");
    await next();
  };
}

export const linkKind: RouteKind = {
  name: "link",
  error: { schema: LinkPage, contentType: "text/html; charset=UTF-8" },
  errors: {
    400: "A control character, a lone surrogate or a forbidden name in a field, or a form that cannot be read",
    404: "A token this deployment did not sign, or one that was changed",
    413: "The body is larger than 64 KB",
    415: "The body is not a form (application/x-www-form-urlencoded or multipart/form-data)",
    503: "The database cannot be reached; Retry-After says when to retry",
  },
  security: [],
  keys: null,
  pipeline: (route) => [...(route.method === "get" ? [] : [limitBody()]), checkText()],
  pathMiddleware: () => [pageHeaders(), dialect(renderPage)],
};
