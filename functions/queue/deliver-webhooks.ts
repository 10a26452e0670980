import { ensureDeliveries, loadFanout, loadWork, recordAttempts, watchdogMinutes } from "../../db/queries/webhook-deliveries.ts";
import type { EndpointHealth, Recorded, WorkItem } from "../../db/queries/webhook-deliveries.ts";
import type { DeadLetter } from "../../db/queries/dead-letters.ts";
import type { DeliveryAttempt } from "../../db/schema/index.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../lib/db.ts";
import { WebhookMessage } from "../lib/outbox.ts";
import { checkWebhookUrl } from "../lib/ssrf.ts";
import { deadLetterOf } from "./dead-letters.ts";
import { decideOutcome, queueDelay, type Outcome } from "./delivery-outcome.ts";
import { sendWebhook } from "./send-webhook.ts";
import { buildWebhookRequest } from "./webhook-request.ts";

// Workers allow six connections open at once; more would queue inside fetch while their 15 s
// timeouts ran.
const concurrency = 6;
const graceSeconds = watchdogMinutes * 60;

type Parsed = { message: Message<unknown>; body: WebhookMessage };
type Result = { item: WorkItem; outcome: Outcome; attempt: DeliveryAttempt };

/**
 * The webhooks consumer. Per batch: parse every message (what cannot be parsed is recorded as a
 * dead letter and acknowledged), fan new events out to one delivery row per subscriber, attempt
 * every delivery due, record the attempts in one transaction, and only then acknowledge or retry
 * each message. A failure before that last step throws: the runtime redelivers the batch, and the
 * deliveries go out again under the same webhook-id, since the id is the delivery row's.
 */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = httpDb(env);
  const letters: DeadLetter[] = [];
  const parsed: Parsed[] = [];
  for (const message of batch.messages) {
    const body = WebhookMessage.safeParse(message.body);
    if (body.success) parsed.push({ message, body: body.data });
    else letters.push(deadLetterOf("webhooks", message, `unparseable: ${body.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")}`));
  }

  const fanout = new Set(parsed.filter((p) => !p.body.delivery_id).map((p) => p.body.event_id));
  const { events, endpointPairs, agentPairs } = await loadFanout(db, unique(parsed.map((p) => p.body.event_id)));
  const known = new Map(events.map((e) => [e.id, e]));
  for (const p of parsed) {
    if (!known.has(p.body.event_id)) letters.push(deadLetterOf("webhooks", p.message, "no such event"));
  }
  await ensureDeliveries(db, [
    ...endpointPairs.filter((r) => fanout.has(r.eventId)).map((r) => ({ ...owner(known.get(r.eventId)!), eventId: r.eventId, endpointId: r.endpointId })),
    ...agentPairs.filter((r) => fanout.has(r.eventId)).map((r) => ({ ...owner(known.get(r.eventId)!), eventId: r.eventId, agentId: r.agentId })),
  ]);
  const targeted = unique(parsed.flatMap((p) => (p.body.delivery_id ? [p.body.delivery_id] : [])));
  const work = await loadWork(db, [...fanout].filter((id) => known.has(id)), targeted);

  const results = await pool(work, concurrency, (item) => attempt(item, env));
  await recordAttempts(db, results.map(toRecorded), healthOf(results), letters);

  const byDelivery = new Map(results.map((r) => [r.item.delivery.id, r]));
  const retried = new Set<string>(); // a delivery is retried by one message, however many named it
  const followUps: MessageSendRequest<WebhookMessage>[] = [];
  for (const { message, body } of parsed) {
    if (!known.has(body.event_id)) continue; // a dead letter, acknowledged below
    if (body.delivery_id) {
      const result = byDelivery.get(body.delivery_id);
      const delay = result && result.item.delivery.eventId === body.event_id ? retryDelay(result) : null;
      if (delay !== null && !retried.has(body.delivery_id)) {
        retried.add(body.delivery_id);
        message.retry({ delaySeconds: delay });
      } else message.ack();
      continue;
    }
    // A fan-out's failed deliveries go on as messages of their own, each with its own delay.
    for (const result of results) {
      const delay = result.item.event.id === body.event_id ? retryDelay(result) : null;
      if (delay === null || retried.has(result.item.delivery.id)) continue;
      retried.add(result.item.delivery.id);
      followUps.push({ body: { event_id: body.event_id, delivery_id: result.item.delivery.id }, contentType: "json", delaySeconds: delay });
    }
    message.ack();
  }
  for (const letter of letters) batch.messages.find((m) => m.id === letter.messageId)?.ack();
  await sendFollowUps(env, followUps);
}

async function attempt(item: WorkItem, env: Env): Promise<Result> {
  // Not sent, and not to be: failed at once, with the reason in the attempt log.
  const refused = (error: string): Result => ({
    item,
    outcome: { status: "failed", waitSeconds: null, health: null, disable: null },
    attempt: { at: new Date().toISOString(), status_code: null, latency_ms: 0, response_body: null, error },
  });
  if (item.endpoint && !item.endpoint.enabled) return refused("the endpoint is disabled");
  const request = await buildWebhookRequest(item, env.SECRETS_KEYS);
  if ("error" in request) return refused(request.error);
  const verdict = checkWebhookUrl(request.url, { allowLoopbackHttp: env.WEBHOOKS_ALLOW_LOOPBACK_HTTP });
  if (!verdict.ok) return refused(`refused to send: the URL ${verdict.reason}`);
  const sent = await sendWebhook(request);
  const outcome = decideOutcome(sent, item.delivery.attemptCount + 1, item.endpoint?.failingSince ?? null);
  return { item, outcome, attempt: sent.attempt };
}

function toRecorded(r: Result): Recorded {
  const { status, waitSeconds } = r.outcome;
  const cronAfter = status !== "pending" || waitSeconds === null ? null : queueDelay(waitSeconds) === null ? waitSeconds : waitSeconds + graceSeconds;
  return { deliveryId: r.item.delivery.id, attempt: r.attempt, status, cronAfterSeconds: cronAfter };
}

function retryDelay(r: Result): number | null {
  return r.outcome.status === "pending" && r.outcome.waitSeconds !== null ? queueDelay(r.outcome.waitSeconds) : null;
}

/** Per endpoint: a success anywhere in the batch ends a failing streak; a disable wins over both. */
function healthOf(results: Result[]): EndpointHealth[] {
  const byEndpoint = new Map<string, EndpointHealth>();
  for (const { item, outcome } of results) {
    if (!item.endpoint || (outcome.health === null && !outcome.disable)) continue;
    const current = byEndpoint.get(item.endpoint.id) ?? { endpointId: item.endpoint.id, healthy: false, disable: null };
    current.healthy ||= outcome.health === "up";
    current.disable ??= outcome.disable;
    byEndpoint.set(item.endpoint.id, current);
  }
  return [...byEndpoint.values()];
}

async function sendFollowUps(env: Env, messages: MessageSendRequest<WebhookMessage>[]): Promise<void> {
  try {
    for (let i = 0; i < messages.length; i += 100) await env.WEBHOOKS.sendBatch(messages.slice(i, i + 100));
  } catch (err) {
    // The attempts are recorded with a deadline; the cron sends whatever the queue did not.
    console.error(`webhooks: queueing ${messages.length} retr(ies) failed; the cron will send them`, err);
  }
}

const owner = (event: { workspaceId: string; mode: "live" | "test" }) => ({ workspaceId: event.workspaceId, mode: event.mode });

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(runners);
  return results;
}
