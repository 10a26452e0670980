import { claimUnfannedEvents, markEnqueued, releaseClaims } from "../../db/queries/events.ts";
import { claimDueDeliveries, claimParkedBacklogs, claimProbes } from "../../db/queries/webhook-deliveries.ts";
import type { DueDelivery } from "../../db/queries/webhook-work.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import type { WebhookMessage } from "../lib/outbox.ts";
import { repeatWithin, type Budget } from "./budget.ts";

// The outbox's safety nets, run every minute by the cron.

const perStep = 1000;
/**
 * Up to 20 steps of 1,000 a run: a backlog of 100k events drains in five runs. A step of the
 * sweeper is 12 subrequests (its claim, ten sendBatch calls of 100, marking them sent), of the
 * retry claim 11: 240 and 220 a run at most (functions/cron/budget.ts).
 */
export const sweepBudget: Budget = { steps: 20, seconds: 20 };

/**
 * Events not fanned out into their deliveries: never sent (the fast path failed or never ran),
 * or sent and lost, dead-lettered or dropped by a consumer that died, once their lease is over.
 */
export async function sweepOutbox(env: Env, budget: Budget = sweepBudget): Promise<number> {
  return repeatWithin(budget, async () => {
    const moved = await sweepOutboxStep(env);
    return { moved, full: moved === perStep };
  });
}

async function sweepOutboxStep(env: Env): Promise<number> {
  const db = httpDb(env);
  const ids = await claimUnfannedEvents(db, perStep);
  try {
    await sendAll(env, ids.map((id) => ({ event_id: id })));
  } catch (err) {
    await releaseClaims(db, ids);
    throw err;
  }
  await markEnqueued(db, ids);
  return ids.length;
}

/**
 * Deliveries whose next_attempt_at has come (waits too long for the queue, and any it lost), one
 * probe per paused endpoint whose pause is over, and a hundred of each backlog no pause holds.
 */
export async function sendDueDeliveries(env: Env, budget: Budget = sweepBudget): Promise<number> {
  const db = httpDb(env);
  // A failed send leaves the claim to lapse: the rows come due again after the watchdog period.
  const due = await repeatWithin(budget, async () => {
    const claimed = await claimDueDeliveries(db, perStep);
    await sendAll(env, claimed.map(messageOf));
    return { moved: claimed.length, full: claimed.length === perStep };
  });
  const others = [...(await claimProbes(db, perStep)), ...(await claimParkedBacklogs(db, 100))];
  await sendAll(env, others.map(messageOf));
  return due + others.length;
}

const messageOf = (d: DueDelivery): WebhookMessage => ({ event_id: d.event_id, delivery_id: d.id, attempt: d.attempt_count });

async function sendAll(env: Env, bodies: WebhookMessage[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 100) {
    await env.WEBHOOKS.sendBatch(bodies.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}
