import { recordDeadLetters, type DeadLetter } from "../../db/queries/dead-letters.ts";
import { claimWork, deferDelivery, fanOut, loadFanout, recordAttempt, releaseLeases, watchdogMinutes } from "../../db/queries/webhook-work.ts";
import type { Health, WorkItem } from "../../db/queries/webhook-work.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../lib/db.ts";
import { WebhookMessage } from "../lib/outbox.ts";
import { checkWebhookUrl } from "../lib/ssrf.ts";
import { deadLetterOf } from "./dead-letters.ts";
import { decideOutcome, queueDelay, type SendResult } from "./delivery-outcome.ts";
import { sendWebhook } from "./send-webhook.ts";
import { buildWebhookRequest } from "./webhook-request.ts";

// The webhook consumers: one per lane, so that a slow or failing endpoint costs only itself.
//
// - The fast lane (`webhooks`) fans events out and attempts every delivery at once, giving each
//   receiver a second to answer. One that does not is marked slow, and that delivery, and the
//   endpoint's others, go to the slow lane, so a hanging endpoint never holds the fast lane for
//   more than a second, and holds it once.
// - The slow lane (`webhooks-slow`) gives each attempt the full 15 s. An endpoint that times out
//   there, or fails several times running, is paused: its deliveries wait as its own backlog,
//   which the cron sends when the pause ends, one backoff step longer each time.
//
// Each attempt is recorded the moment it ends, and each message acknowledged once its deliveries
// are done or handed on; a pending delivery always has a next_attempt_at, so whatever a lane or
// the queue loses, the cron sends again.

export type Lane = "fast" | "slow";

/** How long each lane waits for a receiver's answer. */
export const laneTimeoutMs: Record<Lane, number> = { fast: 1_000, slow: 15_000 };

// Workers allow six connections open at once; more would queue inside fetch.
const concurrency = 6;
const graceSeconds = watchdogMinutes * 60;
/** Failures running that pause an endpoint, and the first pause (doubling up to an hour). */
const pauseAfterFailures = 3;
const firstPauseSeconds = 60;

type Parsed = { message: Message<unknown>; body: WebhookMessage };

export const deliverFastWebhooks = (batch: MessageBatch<unknown>, env: Env) => deliverWebhooks(batch, env, "fast");
export const deliverSlowWebhooks = (batch: MessageBatch<unknown>, env: Env) => deliverWebhooks(batch, env, "slow");

export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env, lane: Lane): Promise<void> {
  const db = httpDb(env);
  const letters: DeadLetter[] = [];
  const parsed: Parsed[] = [];
  for (const message of batch.messages) {
    const body = WebhookMessage.safeParse(message.body);
    if (body.success) parsed.push({ message, body: body.data });
    else letters.push(deadLetterOf(batch.queue, message, `unparseable: ${body.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")}`));
  }

  const fanout = [...new Set(parsed.filter((p) => !p.body.delivery_id).map((p) => p.body.event_id))];
  const { events, endpointPairs, agentPairs } = await loadFanout(db, [...new Set(parsed.map((p) => p.body.event_id))]);
  const known = new Map(events.map((e) => [e.id, e]));
  for (const p of parsed) if (!known.has(p.body.event_id)) letters.push(deadLetterOf(batch.queue, p.message, "no such event"));
  if (letters.length > 0) await recordDeadLetters(db, letters);

  const fannedOut = fanout.filter((id) => known.has(id));
  const owner = (id: string) => ({ workspaceId: known.get(id)!.workspaceId, mode: known.get(id)!.mode });
  await fanOut(db, fannedOut, [
    ...endpointPairs.filter((r) => fannedOut.includes(r.eventId)).map((r) => ({ ...owner(r.eventId), eventId: r.eventId, endpointId: r.endpointId })),
    ...agentPairs.filter((r) => fannedOut.includes(r.eventId)).map((r) => ({ ...owner(r.eventId), eventId: r.eventId, agentId: r.agentId })),
  ]);
  const named = [...new Set(parsed.flatMap((p) => (p.body.delivery_id ? [p.body.delivery_id] : [])))];
  const work = await claimWork(db, fannedOut, named);

  const handOff: Record<Lane, MessageSendRequest<WebhookMessage>[]> = { fast: [], slow: [] };
  const learned: Learned = { slow: new Set(), paused: new Map() };
  // On the slow lane an endpoint's deliveries go one at a time: a hanging one holds one of the
  // lane's connections for 15 s, is paused, and its others wait instead of hanging alongside.
  const queues = lane === "slow" ? byReceiver(work) : work.map((item) => [item]);
  await pool(queues, concurrency, async (items) => {
    for (const item of items) {
      const next = await handle(item, env, lane, learned);
      if (next) handOff[next.lane].push({ body: { event_id: item.event.id, delivery_id: item.delivery.id }, contentType: "json", delaySeconds: next.delaySeconds });
    }
  });
  // Handed from the fast lane to the slow one: let go, so the slow lane can claim them at once.
  if (lane === "fast") await releaseLeases(db, handOff.slow.map((m) => m.body.delivery_id ?? ""));
  await send(env, "fast", handOff.fast);
  await send(env, "slow", handOff.slow);
  for (const message of batch.messages) message.ack();
}

/**
 * What this batch has learnt of its endpoints since they were loaded, so an endpoint's later
 * deliveries in the batch follow at once: found slow (they go to the slow lane), or paused
 * (they wait with its backlog).
 */
type Learned = { slow: Set<string>; paused: Map<string, Date> };

/** Attempts one delivery, records it, and says where its next attempt goes, if it is the queue's. */
async function handle(item: WorkItem, env: Env, lane: Lane, learned: Learned): Promise<{ lane: Lane; delaySeconds: number } | null> {
  const db = httpDb(env);
  const { endpoint } = item;
  const now = Date.now();
  const key = receiverKey(item);
  const pausedUntil = learned.paused.get(key) ?? (endpoint?.pausedUntil && endpoint.pausedUntil.getTime() > now ? endpoint.pausedUntil : null);
  if (pausedUntil) {
    await deferDelivery(db, item.delivery.id, pausedUntil);
    return null;
  }
  const slow = learned.slow.has(key) || (endpoint?.slowUntil !== null && endpoint?.slowUntil !== undefined && endpoint.slowUntil.getTime() > now);
  if (lane === "fast" && slow) return { lane: "slow", delaySeconds: 0 };

  const refused = await refusal(item, env);
  if (refused) {
    await recordAttempt(db, { deliveryId: item.delivery.id, endpointId: endpoint?.id ?? null, attempt: refused, status: "failed", cronAfterSeconds: null, health: null });
    return null;
  }
  const request = await buildWebhookRequest(item, env.SECRETS_KEYS);
  if ("error" in request) {
    const attempt = { at: new Date().toISOString(), status_code: null, latency_ms: 0, response_body: null, error: request.error };
    await recordAttempt(db, { deliveryId: item.delivery.id, endpointId: endpoint?.id ?? null, attempt, status: "failed", cronAfterSeconds: null, health: null });
    return null;
  }
  const sent = await sendWebhook(request, laneTimeoutMs[lane]);

  if (sent.timedOut && lane === "fast") {
    // No answer within the fast lane's second: an attempt of its own, tried again at once on the
    // slow lane with the full timeout. The receiver may have got the first; webhook-id dedupes.
    learned.slow.add(key);
    sent.attempt.error = `no answer within ${laneTimeoutMs.fast / 1000} s on the fast lane; tried again at once on the slow lane`;
    await recordAttempt(db, { deliveryId: item.delivery.id, endpointId: endpoint?.id ?? null, attempt: sent.attempt, status: "pending", cronAfterSeconds: graceSeconds, health: { kind: "slow" } });
    return { lane: "slow", delaySeconds: 0 };
  }

  const outcome = decideOutcome(sent, item.delivery.attemptCount + 1, endpoint?.failingSince ?? null);
  const health = healthOf(sent, outcome, lane);
  const wait = outcome.status === "pending" ? outcome.waitSeconds : null;
  const queued = wait === null ? null : queueDelay(wait);
  const cronAfterSeconds = wait === null ? null : queued === null ? wait : wait + graceSeconds;
  const paused = await recordAttempt(db, { deliveryId: item.delivery.id, endpointId: endpoint?.id ?? null, attempt: sent.attempt, status: outcome.status, cronAfterSeconds, health });
  if (paused) {
    // Paused by this failure: its next attempt, and its other deliveries in this batch, wait for
    // the pause to end with the rest of its backlog.
    learned.paused.set(key, paused);
    if (wait !== null) await deferDelivery(db, item.delivery.id, new Date(Math.max(paused.getTime(), now + wait * 1000)));
    return null;
  }
  return queued === null ? null : { lane: slow || lane === "slow" ? "slow" : "fast", delaySeconds: queued };
}

const receiverKey = (item: WorkItem) => item.endpoint?.id ?? `agent:${item.delivery.agentId}`;

function byReceiver(work: WorkItem[]): WorkItem[][] {
  const groups = new Map<string, WorkItem[]>();
  for (const item of work) groups.set(receiverKey(item), [...(groups.get(receiverKey(item)) ?? []), item]);
  return [...groups.values()];
}

/** A delivery that is not to be sent at all: its endpoint is disabled, or its URL refused. */
async function refusal(item: WorkItem, env: Env) {
  const fail = (error: string) => ({ at: new Date().toISOString(), status_code: null, latency_ms: 0, response_body: null, error });
  if (item.endpoint && !item.endpoint.enabled) return fail("the endpoint is disabled");
  const url = item.endpoint?.url ?? item.agent?.webhookUrl;
  if (!url) return null; // buildWebhookRequest says what is missing
  const verdict = checkWebhookUrl(url, { allowLoopbackHttp: env.WEBHOOKS_ALLOW_LOOPBACK_HTTP });
  return verdict.ok ? null : fail(`refused to send: the URL ${verdict.reason}`);
}

function healthOf(sent: SendResult, outcome: ReturnType<typeof decideOutcome>, lane: Lane): Health | null {
  if (outcome.disable) return { kind: "disable", reason: outcome.disable };
  if (outcome.health === "up") return { kind: "up", fast: sent.attempt.latency_ms < laneTimeoutMs.fast };
  if (outcome.health !== "down") return null;
  // A slow-lane timeout costs 15 s of the lane: pause at once rather than after a streak.
  return { kind: "down", pauseAt: sent.timedOut && lane === "slow" ? 1 : pauseAfterFailures, pauseSeconds: firstPauseSeconds };
}

async function send(env: Env, lane: Lane, messages: MessageSendRequest<WebhookMessage>[]): Promise<void> {
  const queue = lane === "fast" ? env.WEBHOOKS : env.WEBHOOKS_SLOW;
  try {
    for (let i = 0; i < messages.length; i += 100) await queue.sendBatch(messages.slice(i, i + 100));
  } catch (err) {
    // Each delivery has a next_attempt_at: the cron sends whatever the queue did not take.
    console.error(`webhooks: queueing ${messages.length} deliver(ies) on the ${lane} lane failed; the cron will send them`, err);
  }
}

/**
 * Runs `work` over the items, `size` at a time. After a failure no new item starts; those under
 * way finish (and are recorded), then the failure is thrown.
 */
async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length && !failed) {
      try {
        await work(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  const failure = (await Promise.allSettled(runners)).find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
}
