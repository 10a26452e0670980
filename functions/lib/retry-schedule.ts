// When a failed webhook delivery is tried again. Attempt 1 is immediate; attempt n waits
// `waits[n - 1]` after attempt n - 1 failed, give or take 10 % jitter so that a receiver that
// came back from an outage is not hit by every delivery in the same second.
export const retryWaitsSeconds = [0, 5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400] as const;

export const maxAttempts = retryWaitsSeconds.length;

/** Cloudflare Queues delay a message by at most 12 h; longer waits go through next_attempt_at. */
export const maxQueueDelaySeconds = 12 * 3600;

/** A receiver's Retry-After is honoured up to a day; beyond that it is taken as a day. */
const maxRetryAfterSeconds = 86_400;

/**
 * Seconds to wait before the attempt after `attemptsMade` attempts, or null when none is left.
 * `retryAfterSeconds` (a 429's or 5xx's Retry-After) is a floor: the wait is never shorter.
 */
export function nextWaitSeconds(attemptsMade: number, retryAfterSeconds: number | null, random = Math.random): number | null {
  const base = retryWaitsSeconds[attemptsMade];
  if (base === undefined) return null;
  const jittered = Math.round(base * (0.9 + 0.2 * random()));
  const floor = retryAfterSeconds === null ? 0 : Math.min(retryAfterSeconds, maxRetryAfterSeconds);
  return Math.max(jittered, floor);
}

/** Retry-After as delay-seconds or an HTTP date, in whole seconds from `now`; null if absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
