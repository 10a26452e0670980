import type { Issue, Problem } from "../../schemas/problem.ts";

// One error model: every failure is an ApiError with a code from this table. The native API
// renders it as application/problem+json; a compatibility endpoint installs a renderer that
// writes its seed's exact error body instead.
export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

const titles: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  validation_failed: "Validation failed",
  rate_limited: "Rate limit exceeded",
  internal: "Internal server error",
  unavailable: "Service unavailable",
};


export type ApiErrorOptions = {
  issues?: Issue[];
  headers?: Record<string, string>;
  // Facts a compatibility renderer may need, e.g. { reason: "missing" } for a 401.
  facts?: Record<string, unknown>;
};

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  readonly issues: Issue[];
  readonly headers: Record<string, string>;
  readonly facts: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string = titles[code],
    options: ApiErrorOptions = {},
  ) {
    super(message);
    this.status = errorStatus[code];
    this.issues = options.issues ?? [];
    this.headers = options.headers ?? {};
    this.facts = options.facts ?? {};
  }
}

export type RenderedError = { status: number; body: unknown; contentType: string };
export type ErrorRenderer = (error: ApiError) => RenderedError;

export const renderProblem: ErrorRenderer = (error) => {
  const body: Problem = {
    type: `urn:ringback:problem:${error.code}`,
    title: titles[error.code],
    status: error.status,
    code: error.code,
    detail: error.message,
  };
  if (error.issues.length > 0) body.errors = error.issues.map(({ path, message }) => ({ path, message }));
  return { status: error.status, body, contentType: "application/problem+json" };
};
