import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../context.ts";
import { checkValue, isJsonType, parseJson } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { validTwilioRequest } from "../lib/twilio-signature.ts";
import { issuesOf } from "../lib/validate.ts";
import type { SignedParams } from "../../schemas/twilio.ts";

// What the three Twilio routes share: a request counts only once X-Twilio-Signature proves Twilio
// sent it; until then nothing in it is believed, and nothing is written.


/**
 * Checks X-Twilio-Signature and returns the request's parameters: 400 without a signature, 403
 * with a wrong one. The URL checked is the one Twilio was given, PUBLIC_URL with this request's
 * path and query, not whatever host the Worker was reached through (a proxy, a custom domain).
 */
export async function verifiedTwilioRequest(c: Context<AppEnv>): Promise<SignedParams> {
  const signature = c.req.header("x-twilio-signature");
  if (!signature) throw new ApiError("bad_request", "X-Twilio-Signature is missing", { facts: { reason: "missing_signature" } });
  const { PUBLIC_URL: publicUrl, TWILIO_AUTH_TOKEN: authToken } = c.env;
  if (!publicUrl || !authToken) {
    console.error("Twilio callback refused: PUBLIC_URL and TWILIO_AUTH_TOKEN must both be set to check its signature");
    throw new ApiError("unavailable", "Twilio callbacks are not configured");
  }
  const requested = new URL(c.req.url);
  const url = publicUrl.replace(/\/+$/, "") + requested.pathname + requested.search;
  // Bytes, not text(): workerd warns when a form body is read as text.
  const raw = new TextDecoder().decode(await c.req.arrayBuffer());
  const contentType = c.req.header("content-type");

  // Twilio signs JSON bodies through a bodySHA256 in the URL, and forms through their fields.
  const json = isJsonType(contentType);
  if (!json && contentType && !/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
    throw new ApiError("unsupported_media_type", "Content-Type must be application/x-www-form-urlencoded or application/json", { facts: { reason: "content_type" } });
  }
  const form = new URLSearchParams(json ? "" : raw);
  if (!(await validTwilioRequest(authToken, signature, url, json ? { body: raw } : { params: form }))) {
    throw new ApiError("forbidden", "X-Twilio-Signature does not match this request", { facts: { reason: "invalid_signature" } });
  }
  return json ? jsonParams(raw) : form;
}

function jsonParams(raw: string): SignedParams {
  const value = parseJson(raw);
  const fields = value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return {
    get: (name) => {
      const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
      return typeof field === "string" ? field : typeof field === "number" ? String(field) : null;
    },
  };
}

/**
 * The fields a schema names, read through `get` (a form, a JSON body, the query) and parsed: a 400
 * listing every bad field. Twilio adds fields without notice, so other fields are ignored.
 */
export function readFields<S extends z.ZodObject>(schema: S, get: (name: string) => string | null | undefined, what: string): z.infer<S> {
  const fields = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, get(name) ?? undefined]));
  checkValue(fields, "", 0); // a NUL, even signed, must not reach SQL
  const result = schema.safeParse(fields);
  if (!result.success) throw new ApiError("bad_request", `The ${what} is not what Twilio sends`, { issues: issuesOf(result.error) });
  return result.data;
}
