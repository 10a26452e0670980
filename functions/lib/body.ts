import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../context.ts";
import { ApiError } from "./errors.ts";

// Request bodies are untrusted: size, shape and characters are checked before any schema sees
// them, and every refusal is an ApiError the endpoint renders in its own error shape.

export const maxBodyBytes = 64 * 1024;
const maxDepth = 20;
// C0 controls and DEL, except tab, line feed and carriage return, which messages may carry.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point: bodies carrying them are refused
const controlCharacter = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// Half of a UTF-16 surrogate pair: valid in JSON text, but not text PostgreSQL can store.
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses bodies over the limit, chunked ones included (they are counted as they stream). */
export function limitBody(maxSize = maxBodyBytes): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError("payload_too_large", `The request body is larger than ${maxSize / 1024} KB`);
    },
  });
}

/**
 * A JSON media type, as Hono's json validator reads one (application/json, application/x+json),
 * parameters aside. The two must agree: a type one took and the other did not would reach the
 * schema as an empty object.
 */
export function isJsonType(contentType: string | undefined): boolean {
  return jsonType.test(contentType ?? "");
}
// @hono/zod-openapi's own test for a JSON request (its jsonRequestRegex), word for word.
const jsonType = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Reads and checks a JSON body: content type, syntax, nesting depth, `__proto__` keys and
 * control characters. The parsed value is what the route's validator then reads.
 */
export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  if (!isJsonType(c.req.header("content-type"))) {
    throw new ApiError("unsupported_media_type", "Content-Type must be application/json", { facts: { reason: "content_type" } });
  }
  return parseJson(await c.req.text());
}

export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "The request body is not valid JSON", { facts: { reason: "invalid_json" } });
  }
  checkValue(value, "", 0);
  return value;
}

/** The same checks for values that arrived as a query string or a form. */
export function checkValue(value: unknown, path: string, depth: number): void {
  if (depth > maxDepth) {
    throw new ApiError("bad_request", `The request body is nested deeper than ${maxDepth} levels`, { facts: { reason: "too_deep" } });
  }
  if (typeof value === "string") {
    if (controlCharacter.test(value)) {
      throw new ApiError("bad_request", `${path || "The body"} contains a control character`, { facts: { reason: "control_character", path } });
    }
    if (loneSurrogate.test(value)) {
      throw new ApiError("bad_request", `${path || "The body"} contains a lone UTF-16 surrogate`, { facts: { reason: "control_character", path } });
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkValue(item, `${path}[${i}]`, depth + 1);
    return;
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key === "__proto__" || key === "constructor" || key === "prototype") {
        throw new ApiError("bad_request", `${at} is not an allowed key`, { facts: { reason: "forbidden_key", path: at } });
      }
      checkValue(key, at, depth + 1);
      checkValue(item, at, depth + 1);
    }
  }
}
