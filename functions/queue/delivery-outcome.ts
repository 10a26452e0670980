import type { DeliveryAttempt } from "../../db/schema/index.ts";
import { maxQueueDelaySeconds, nextWaitSeconds } from "../lib/retry-schedule.ts";

/** What one POST came back with. */
export type SendResult = {
  attempt: DeliveryAttempt;
  retryAfterSeconds: number | null; // from a 429's or 5xx's Retry-After
  abort: boolean; // the receiver said `webhook-delivery: abort-message`
  timedOut: boolean; // no answer within the lane's timeout
};

export const failingDaysBeforeDisable = 5;

export type Outcome = {
  status: "pending" | "succeeded" | "failed";
  waitSeconds: number | null; // pending only: until the next attempt
  health: "up" | "down" | null; // what the attempt says about the endpoint
  disable: string | null; // disable the endpoint, and why
};

/**
 * What one attempt means. 2xx succeeds; 410 fails for good and disables the endpoint; a
 * `webhook-delivery: abort-message` header stops the retries; anything else (3xx, other 4xx, 5xx,
 * no answer) is retried on the schedule, no sooner than a 429's or 5xx's Retry-After.
 */
export function decideOutcome(result: SendResult, attemptsMade: number, failingSince: Date | null, now = new Date()): Outcome {
  const status = result.attempt.status_code;
  if (status !== null && status >= 200 && status < 300) return { status: "succeeded", waitSeconds: null, health: "up", disable: null };
  if (status === 410) return { status: "failed", waitSeconds: null, health: "down", disable: "the endpoint answered 410 Gone" };
  if (result.abort) return { status: "failed", waitSeconds: null, health: null, disable: null };
  const failingFor = failingSince ? now.getTime() - failingSince.getTime() : 0;
  if (failingFor >= failingDaysBeforeDisable * 86_400_000) {
    return { status: "failed", waitSeconds: null, health: "down", disable: `failed without a break for ${failingDaysBeforeDisable} days` };
  }
  const wait = nextWaitSeconds(attemptsMade, result.retryAfterSeconds);
  if (wait === null) return { status: "failed", waitSeconds: null, health: "down", disable: null };
  return { status: "pending", waitSeconds: wait, health: "down", disable: null };
}

/** A wait the queue can hold (up to 12 h), or null when it belongs to the cron. */
export const queueDelay = (waitSeconds: number): number | null => (waitSeconds <= maxQueueDelaySeconds ? waitSeconds : null);
