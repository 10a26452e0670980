import { recordDeadLetters, type DeadLetter } from "../../db/queries/dead-letters.ts";
import { claimSeconds, claimWork, fanOut, leaseFor, loadFanout, park, releaseLeases, releaseParked, releasedPerSuccess, watchdogMinutes } from "../../db/queries/webhook-work.ts";
import type { Health, Named, Recorded, WorkItem } from "../../db/queries/webhook-work.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { WebhookMessage } from "../lib/outbox.ts";
import { checkWebhookUrl } from "../lib/ssrf.ts";
import { AttemptRecorder, Slots } from "./attempt-recorder.ts";
import { deadLetterOf } from "./dead-letters.ts";
import { decideOutcome, queueDelay, type SendResult } from "./delivery-outcome.ts";
import { sendWebhook } from "./send-webhook.ts";
import { buildWebhookRequest } from "./webhook-request.ts";

// The webhook consumers: one per lane, so that a slow or failing endpoint costs only itself.
//
// - The fast lane (`webhooks`) fans events out and attempts every delivery at once, giving each
//   receiver a second (WEBHOOKS_FAST_TIMEOUT_MS) to answer. One that does not is marked slow, and
//   that delivery, and the endpoint's others, go to the slow lane: a hanging endpoint holds the
//   fast lane for a second, once per batch, and then not at all while it is marked slow.
// - The slow lane (`webhooks-slow`) gives each attempt the full 15 s, an endpoint's deliveries one
//   at a time. An endpoint that times out there, or fails several times running, is paused: its
//   deliveries are parked as its own backlog. When the pause ends the cron sends one of them as
//   a probe; its success lets the backlog go, its failure pauses the endpoint again, for longer.
//
// Each attempt is made under a lease renewed for it and recorded as it ends, together with any
// that ended while the last write was in flight (attempt-recorder.ts); each message is
// acknowledged once its deliveries are done or handed on. A pending delivery always has a
// next_attempt_at or is parked, so whatever a lane or the queue loses, the cron sends again.

export type Lane = "fast" | "slow";

const slowTimeoutMs = 15_000;

// Workers allow six connections open at once; more would queue inside fetch, where a fast-lane
// attempt's second would run out waiting. Sends, the odd per-delivery statement (a park, a lease)
// and the recorder's writes share them (Slots). A sender lets go of its connection while its
// attempt is written, so the fast lane runs twice as many deliveries as there are connections:
// while some wait for their write, the others send. The slow lane takes one receiver per connection.
const connections = 6;
const runners: Record<Lane, number> = { fast: 2 * connections, slow: connections };
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
  const owner = (id: string) => {
    const event = known.get(id);
    // Only called for events in fannedOut, which are all known.
    if (!event) throw new Error(`webhooks: event ${id} was not loaded`);
    return { workspaceId: event.workspaceId, mode: event.mode };
  };
  await fanOut(db, fannedOut, [
    ...endpointPairs.filter((r) => fannedOut.includes(r.eventId)).map((r) => ({ ...owner(r.eventId), eventId: r.eventId, endpointId: r.endpointId })),
    ...agentPairs.filter((r) => fannedOut.includes(r.eventId)).map((r) => ({ ...owner(r.eventId), eventId: r.eventId, agentId: r.agentId })),
  ]);
  const named: Named[] = parsed.flatMap((p) => (p.body.delivery_id ? [{ id: p.body.delivery_id, attempt: p.body.attempt }] : []));
  const slots = new Slots(connections);
  const run: Run = {
    env,
    lane,
    token: crypto.randomUUID(),
    claimedAt: Date.now(),
    learned: { slow: new Set(), paused: new Map() },
    released: [],
    slots,
    recorder: new AttemptRecorder(db, slots),
  };
  const work = await claimWork(db, fannedOut, named, run.token);

  const handOff: Record<Lane, MessageSendRequest<WebhookMessage>[]> = { fast: [], slow: [] };
  const unattempted: string[] = [];
  // On the slow lane an endpoint's deliveries go one at a time: a hanging one holds one of the
  // lane's connections for 15 s, is paused, and its others are parked instead of hanging alongside.
  const queues = lane === "slow" ? byReceiver(work) : work.map((item) => [item]);
  await pool(queues, runners[lane], async (items) => {
    for (const item of items) {
      const next = await handle(item, run);
      if (!next) continue;
      handOff[next.lane].push({ body: { event_id: item.event.id, delivery_id: item.delivery.id, attempt: next.attempt }, contentType: "json", delaySeconds: next.delaySeconds });
      if (next.unattempted) unattempted.push(item.delivery.id);
    }
  });
  // Handed on without an attempt: let go, so the other lane can claim them at once.
  await releaseLeases(db, unattempted, run.token);
  await send(env, "fast", [...handOff.fast, ...run.released]);
  await send(env, "slow", handOff.slow);
  for (const message of batch.messages) message.ack();
}

/**
 * One consumer invocation: its lane, its lease token, what it has learnt of endpoints, and the
 * connections its senders share and the recorder that writes their attempts.
 */
type Run = {
  env: Env;
  lane: Lane;
  token: string;
  claimedAt: number;
  learned: Learned;
  released: MessageSendRequest<WebhookMessage>[];
  slots: Slots;
  recorder: AttemptRecorder;
};

/**
 * What this batch has learnt of its endpoints since they were loaded, so an endpoint's later
 * deliveries in the batch follow at once: found slow (they go to the slow lane), or paused
 * (they are parked with its backlog).
 */
type Learned = { slow: Set<string>; paused: Map<string, Date> };

type Next = { lane: Lane; delaySeconds: number; attempt: number; unattempted?: boolean };

/** Attempts one delivery, records it, and says where its next attempt goes, if it is the queue's. */
async function handle(item: WorkItem, run: Run): Promise<Next | null> {
  const { env, lane, token, learned, slots } = run;
  const db = httpDb(env);
  const { endpoint, delivery } = item;
  const now = Date.now();
  const key = receiverKey(item);
  const record = (r: Omit<Recorded, "deliveryId" | "token">) => run.recorder.record({ ...r, deliveryId: delivery.id, token }, endpoint?.id ?? null);
  const refused = await refusal(item, env);
  if (refused) {
    await record({ attempt: refused, counts: true, status: "failed", cronAfterSeconds: null, health: null });
    return null;
  }
  const pausedUntil = learned.paused.get(key) ?? (endpoint?.pausedUntil && endpoint.pausedUntil.getTime() > now ? endpoint.pausedUntil : null);
  // Parked unless it is the probe, or the pause has ended since the endpoint was read.
  if (pausedUntil && endpoint?.probeDeliveryId !== delivery.id && (await slots.use(() => park(db, delivery.id, token)))) return null;
  const slow = learned.slow.has(key) || (endpoint?.slowUntil != null && endpoint.slowUntil.getTime() > now);
  if (lane === "fast" && slow) return { lane: "slow", delaySeconds: 0, attempt: delivery.attemptCount, unattempted: true };

  const request = await buildWebhookRequest(item, env.SECRETS_KEYS);
  const timeoutMs = lane === "fast" ? env.WEBHOOKS_FAST_TIMEOUT_MS : slowTimeoutMs;
  // A lease as long as this attempt, unless the claim's is still good for it.
  const leaseLeft = run.claimedAt + claimSecondsMs - Date.now();
  if (leaseLeft < timeoutMs + 5_000 && !(await slots.use(() => leaseFor(db, delivery.id, token, Math.ceil(timeoutMs / 1000) + 30)))) return null;
  const sent: SendResult =
    "error" in request
      ? { attempt: { at: new Date().toISOString(), status_code: null, latency_ms: 0, response_body: null, error: request.error }, retryAfterSeconds: null, abort: !request.retryable, timedOut: false }
      : await slots.use(() => sendWebhook(request, timeoutMs));

  if (sent.timedOut && lane === "fast") {
    // No answer within the fast lane's deadline: tried again at once on the slow lane with the
    // full timeout, as the same attempt of the schedule. The receiver may have got the first;
    // webhook-id dedupes.
    learned.slow.add(key);
    sent.attempt.error = `no answer within ${timeoutMs / 1000} s on the fast lane; tried again at once on the slow lane`;
    const { recorded } = await record({ attempt: sent.attempt, counts: false, status: "pending", cronAfterSeconds: graceSeconds, health: { kind: "slow" } });
    return recorded ? { lane: "slow", delaySeconds: 0, attempt: delivery.attemptCount } : null;
  }

  const attempts = delivery.attemptCount + 1;
  const outcome = decideOutcome(sent, attempts, endpoint?.failingSince ?? null);
  // An attempt that never reached the receiver says nothing of its health.
  const health = "error" in request ? null : healthOf(sent, outcome, lane, env.WEBHOOKS_FAST_TIMEOUT_MS);
  const wait = outcome.status === "pending" ? outcome.waitSeconds : null;
  const queued = wait === null ? null : queueDelay(wait);
  const cronAfterSeconds = wait === null ? null : queued === null ? wait : wait + graceSeconds;
  const { recorded, pausedUntil: paused } = await record({ attempt: sent.attempt, counts: true, status: outcome.status, cronAfterSeconds, health });
  if (!recorded) return null;
  if (health?.kind === "up" && endpoint?.hasParked) {
    // Its backlog, parked while it was paused, follows this success onto the fast lane.
    for (const d of await slots.use(() => releaseParked(db, endpoint.id, releasedPerSuccess))) run.released.push({ body: { event_id: d.event_id, delivery_id: d.id, attempt: d.attempt_count }, contentType: "json" });
  }
  if (paused) {
    // Paused, by this failure or another: the retry, and the endpoint's other deliveries in this
    // batch, are parked with its backlog.
    learned.paused.set(key, paused);
    return null;
  }
  return queued === null ? null : { lane: slow || lane === "slow" ? "slow" : "fast", delaySeconds: queued, attempt: attempts };
}

const claimSecondsMs = claimSeconds * 1000;

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

function healthOf(sent: SendResult, outcome: ReturnType<typeof decideOutcome>, lane: Lane, fastTimeoutMs: number): Health | null {
  if (outcome.disable) return { kind: "disable", reason: outcome.disable };
  if (outcome.health === "up") return { kind: "up", fast: sent.attempt.latency_ms < fastTimeoutMs };
  if (outcome.health !== "down") return null;
  // A slow-lane timeout costs 15 s of the lane: pause at once rather than after a streak.
  return { kind: "down", pauseAt: sent.timedOut && lane === "slow" ? 1 : pauseAfterFailures, pauseSeconds: firstPauseSeconds, retryAfterSeconds: sent.retryAfterSeconds };
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
  // One iterator shared by every runner: each takes the next item no other runner has taken.
  const queue = items.values();
  let failed = false;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    for (const item of queue) {
      if (failed) return;
      try {
        await work(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  });
  const failure = (await Promise.allSettled(runners)).find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
}
