import { expect } from "vitest";
import { Callback } from "../../schemas/callbacks.ts";
import { call, json } from "./fixtures.ts";

// Helpers for the native API's tests (callbacks and leads): requests, and the exact
// problem+json bodies they answer with.

const titles = {
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  validation_failed: "Validation failed",
  unauthorized: "Unauthorized",
  bad_request: "Bad request",
  unsupported_media_type: "Unsupported media type",
  payload_too_large: "Payload too large",
  rate_limited: "Rate limit exceeded",
} as const;

const statuses = {
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  validation_failed: 422,
  unauthorized: 401,
  bad_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  rate_limited: 429,
} as const;

export type Code = keyof typeof titles;

/** The problem+json body the native API answers `code` with. */
export function problem(code: Code, detail: string, errors?: { path: string; message: string }[]) {
  return {
    type: `urn:ringback:problem:${code}`,
    title: titles[code],
    status: statuses[code],
    code,
    detail,
    ...(errors && { errors }),
  };
}

/** The 422 of an invalid JSON body. */
export const invalidBody = (...errors: [string, string][]) =>
  problem("validation_failed", "The request json is not valid", errors.map(([path, message]) => ({ path, message })));

/** The 422 of an invalid query string. */
export const invalidQuery = (...errors: [string, string][]) =>
  problem("validation_failed", "The request query is not valid", errors.map(([path, message]) => ({ path, message })));

/** Checks a response is the given problem, as application/problem+json. */
export async function expectProblem(res: Response, expected: ReturnType<typeof problem>) {
  expect({ status: res.status, body: await res.json() }).toEqual({ status: expected.status, body: expected });
  expect(res.headers.get("content-type")).toBe("application/problem+json");
}

export const get = (path: string, key: string, headers: Record<string, string> = {}) =>
  call(path, { headers: { Authorization: `Bearer ${key}`, ...headers } });

export const post = (path: string, key: string, body?: unknown, headers: Record<string, string> = {}) =>
  call(path, body === undefined ? { method: "POST", headers: { Authorization: `Bearer ${key}`, ...headers } } : json(key, body, headers));

export const patch = (path: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, { ...json(key, body, headers), method: "PATCH" });

/** POST /v1/callbacks that must succeed with 201; the parsed callback. */
export async function createCallback(key: string, body: Record<string, unknown>): Promise<Callback> {
  const res = await post("/v1/callbacks", key, body);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return Callback.parse(await res.json());
}

/** Every item of a cursor-paginated list, page by page; also the page sizes seen. */
export async function walk<T extends { id: string }>(path: string, key: string, limit: number) {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  const sep = path.includes("?") ? "&" : "?";
  for (let i = 0; i < 50; i++) {
    const res = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, key);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: T[]; has_more: boolean; next_cursor: string | null };
    items.push(...page.data);
    sizes.push(page.data.length);
    expect(page.next_cursor === null).toBe(!page.has_more);
    if (!page.has_more) return { items, sizes };
    cursor = page.next_cursor;
  }
  throw new Error("the list did not end");
}
