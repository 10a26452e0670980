import { parseRetryAfter } from "../lib/retry-schedule.ts";
import type { SendResult } from "./delivery-outcome.ts";
import type { WebhookRequest } from "./webhook-request.ts";

const keptBodyBytes = 4096;

/**
 * POSTs one attempt: `timeoutMs` for the whole exchange (the lane's: 1 s or 15 s), redirects not
 * followed (a 3xx is an answer, and a failed one), and only the first 4 KB of the response body
 * read and kept.
 */
export async function sendWebhook(request: WebhookRequest, timeoutMs: number): Promise<SendResult> {
  const at = new Date().toISOString();
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body, redirect: "manual", signal });
  } catch (err) {
    const timedOut = signal.aborted;
    return {
      attempt: { at, status_code: null, latency_ms: elapsed(started), response_body: null, error: timedOut ? `timed out after ${timeoutMs / 1000} s` : describe(err) },
      retryAfterSeconds: null,
      abort: false,
      timedOut,
    };
  }
  const latency = elapsed(started);
  const body = await readPrefix(response, keptBodyBytes).catch(() => null);
  const status = response.status;
  const honoursRetryAfter = status === 429 || status >= 500;
  return {
    attempt: { at, status_code: status, latency_ms: latency, response_body: body, error: null },
    retryAfterSeconds: honoursRetryAfter ? parseRetryAfter(response.headers.get("retry-after")) : null,
    abort: response.headers.get("webhook-delivery")?.trim().toLowerCase() === "abort-message",
    timedOut: false,
  };
}

/** The first `limit` bytes of a body, as text; the rest is not read. */
async function readPrefix(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  // Kept in a jsonb column, which cannot hold a NUL: a receiver's answer must not stop its
  // delivery (and its batch) from being recorded.
  return new TextDecoder().decode(bytes).replaceAll("\u0000", "\ufffd");
}

const elapsed = (started: number) => Math.max(0, Math.round(performance.now() - started));

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.slice(0, 300);
}
