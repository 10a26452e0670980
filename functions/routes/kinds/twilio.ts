import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../../context.ts";
import { limitBody } from "../../lib/body.ts";
import { ApiError } from "../../lib/errors.ts";
import { verifiedTwilioRequest } from "../../telephony/twilio-request.ts";
import type { SignedParams } from "../../../schemas/twilio.ts";
import { Problem } from "../../../schemas/problem.ts";
import type { RouteKind } from "../route.ts";
import { checkText, refusals } from "../steps.ts";

/**
 * Twilio's callbacks: no key, but nothing in a request is believed until X-Twilio-Signature
 * proves Twilio sent it. The pipeline verifies it and hands the handler the signed parameters
 * (c.var.twilio); the handler reads its fields from them, so the routes check their own request.
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
export function signed(c: Context<AppEnv>): SignedParams {
  const params = c.var.twilio;
  if (!params) throw new ApiError("internal", "A Twilio route ran without its signature check");
  return params;
}

/** The form Twilio posts (or the JSON it signs by bodySHA256), as the document shows it. */
export function twilioForm<S extends z.ZodType>(schema: S) {
  return { required: true, content: { "application/x-www-form-urlencoded": { schema } } };
}
