import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { checkValue, isJsonType, parseJson } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { issuesOf } from "../lib/validate.ts";
import { AddCallParams, consentIssues, extraParamIssues, paramText } from "../../schemas/brightcall.ts";
import type { Issue } from "../../schemas/problem.ts";

// Brightcall's parameters come in the query string, a JSON body or a form body, or both a query
// string and a body: one schema cannot say where to look, so add_call_api reads them here.

/** The request's parameters from the query string and the body, checked; throws 422 listing every bad one. */
export async function readParams(c: Context<AppEnv>): Promise<AddCallParams> {
  const entries: Entry[] = [...new URL(c.req.url).searchParams].map(([k, v]) => [k, v, true]);
  if (c.req.method === "POST") entries.push(...(await bodyEntries(c)));

  // Keyed by the client's parameter names, so without a prototype (a `toString` is a parameter).
  const params: Record<string, string> = Object.create(null);
  const issues: Issue[] = [];
  for (const [key, value, urlEncoded] of entries) {
    checkValue({ [key]: value }, "", 0); // control characters and __proto__ keys, as in JSON bodies
    const text = paramText(key, value, urlEncoded);
    if (text === null) continue;
    if (typeof text === "object") issues.push(text);
    else if (Object.hasOwn(params, key) && params[key] !== text) issues.push({ path: key, message: "is given more than once, with different values" });
    else params[key] = text;
  }
  const parsed = AddCallParams.safeParse(params);
  const all = firstPerPath([issues, parsed.success ? [] : issuesOf(parsed.error), extraParamIssues(params), consentIssues(params)]);
  if (all.length > 0 || !parsed.success) throw new ApiError("validation_failed", "Invalid parameters", { issues: all });
  return parsed.data;
}

/**
 * The key may be inside the body: a body that cannot be read is reported as such (400, 415),
 * before the key is looked for, not as a missing key.
 */
export function readableBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === "POST") await bodyEntries(c);
    await next();
  };
}

// A parameter, its value, and whether it was URL-encoded (where an unencoded + means a space).
type Entry = [string, unknown, boolean];

const formType = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

async function bodyEntries(c: Context<AppEnv>): Promise<Entry[]> {
  const type = c.req.header("content-type") ?? "";
  const text = await c.req.text();
  if (text.trim() === "") return []; // a POST may carry its parameters in the query string only
  if (isJsonType(type)) {
    const body = parseJson(text);
    if (body && typeof body === "object" && !Array.isArray(body)) return Object.entries(body).map(([k, v]) => [k, v, false]);
    throw new ApiError("validation_failed", "The body is not a JSON object", { issues: [{ path: "body", message: "must be a JSON object of parameters" }] });
  }
  if (formType.test(type)) {
    const form = await c.req.formData().catch(() => {
      throw new ApiError("bad_request", "The request body is not a valid form", { facts: { reason: "invalid_form" } });
    });
    const urlEncoded = !type.toLowerCase().startsWith("multipart/");
    return [...form.entries()].map(([k, v]) => [k, v, urlEncoded]);
  }
  throw new ApiError("unsupported_media_type", "Content-Type must be application/json, application/x-www-form-urlencoded or multipart/form-data", {
    facts: { reason: "content_type" },
  });
}

/** For each parameter, the issues of the first check that found any: one reason per problem. */
function firstPerPath(groups: Issue[][]): Issue[] {
  const seen = new Set<string>();
  return groups.flatMap((group) => {
    const fresh = group.filter((issue) => !seen.has(issue.path));
    for (const issue of fresh) seen.add(issue.path);
    return fresh;
  });
}
