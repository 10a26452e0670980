import type { RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../../context.ts";
import { limitBody } from "../../lib/body.ts";
import { ApiError } from "../../lib/errors.ts";
import { readFields, verifiedTwilioRequest } from "../../telephony/twilio-request.ts";
import type { SignedParams } from "../../../schemas/twilio.ts";
import { Problem } from "../../../schemas/problem.ts";
import { defineRoute, type Route, type RouteKind } from "../route.ts";
import { checkText, refusals } from "../steps.ts";

/**
 * Twilio's callbacks: no key, but nothing in a request is believed until X-Twilio-Signature
 * proves Twilio sent it. The pipeline verifies it and keeps the signed parameters (c.var.twilio);
 * twilioCallback reads each route's query and form from those and checks them for its handler.
 */
export const twilio: RouteKind = {
  name: "twilio",
  error: { schema: Problem, contentType: "application/problem+json" },
  errors: {
    400: "No X-Twilio-Signature, or fields Twilio would not send",
    403: "X-Twilio-Signature does not match",
    413: refusals[413],
    415: "The body is neither a form nor JSON",
    503: "The database cannot be reached, or Twilio is not configured; Retry-After says when to retry",
  },
  security: [],
  keys: null,
  pipeline: () => [limitBody(), verifySignature(), checkText()],
  pathMiddleware: () => [],
};

function verifySignature(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("twilio", await verifiedTwilioRequest(c));
    await next();
  };
}

/** The signed parameters the pipeline verified; a route of this kind never runs without them. */
function signed(c: Context<AppEnv>): SignedParams {
  const params = c.var.twilio;
  if (!params) throw new ApiError("internal", "A Twilio route ran without its signature check");
  return params;
}

/** What a Twilio callback's handler is given: the request's checked query and form. */
export type TwilioFields<Q extends z.ZodObject, F extends z.ZodObject> = { query: z.infer<Q>; form: z.infer<F> };

/**
 * A callback Twilio makes: a POST of a signed form to /telephony/twilio/{name}, with our own
 * parameters (which attempt, which leg) in the query. Both are read from the verified request
 * (readFields: the signature covers what was sent, not what a schema makes of it) and checked,
 * a field Twilio would not send being a 400, before the handler is given them.
 */
export function twilioCallback<Q extends z.ZodObject, F extends z.ZodObject>(
  name: string,
  spec: { summary: string; description: string; query: Q; form: F; responses: RouteConfig["responses"] },
  handler: (c: Context<AppEnv>, fields: TwilioFields<Q, F>) => Promise<Response>,
): Route {
  const { query, form, ...doc } = spec;
  const handle = (c: Context<AppEnv>) => {
    const params = signed(c);
    const fields = {
      query: readFields(query, (field) => c.req.query(field), "query"),
      form: readFields(form, (field) => params.get(field), `${name} callback`),
    };
    return handler(c, fields);
  };
  return defineRoute(twilio, {
    ...doc,
    method: "post",
    path: `/telephony/twilio/${name}`,
    tags: ["telephony"],
    // The form Twilio posts (or the JSON it signs by bodySHA256).
    request: { query, body: { required: true, content: { "application/x-www-form-urlencoded": { schema: form } } } },
    validation: "handler",
  }, handle);
}
