import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { expect, inject } from "vitest";
import worker from "../../functions/index.ts";
import { agents, events, webhookDeliveries } from "../../db/schema/index.ts";
import type { Bindings } from "../../functions/env.ts";
import { newId } from "../../schemas/ids.ts";
import { newEvent, type WebhookMessage } from "../../functions/lib/outbox.ts";
import type { Mode } from "../../schemas/scopes.ts";
import type { EventType } from "../../schemas/events.ts";
import { EndpointWithSecret } from "../../schemas/webhooks.ts";
import type { ReceivedRequest, ReceiverConfig } from "../setup/webhook-types.ts";
import { bearer, call, db } from "./fixtures.ts";

// Helpers for the webhook tests: receivers on loopback (test/setup/webhook-lab.ts), endpoints made
// through the API, events written as the outbox writes them, and queue batches run through the
// Worker's own queue handler.

export const bindings = env as unknown as Bindings;
const lab = () => inject("webhookLab");

/** A fresh named receiver on the lab server; `requests()` is what it got, with Node's verdicts. */
export async function receiver(config: ReceiverConfig = {}) {
  const name = `r${crypto.randomUUID().replaceAll("-", "")}`;
  const control = `${lab().url}/control/receivers/${name}`;
  await configure(control, config);
  return {
    name,
    url: `${lab().url}/r/${name}`,
    configure: (next: ReceiverConfig) => configure(control, next),
    requests: async () => ((await (await fetch(control)).json()) as { requests: ReceivedRequest[] }).requests,
  };
}

async function configure(control: string, config: ReceiverConfig) {
  const res = await fetch(control, { method: "PUT", body: JSON.stringify(config) });
  expect(res.status).toBe(200);
}

export async function createEndpoint(key: string, body: Record<string, unknown>) {
  const res = await call("/v1/webhook_endpoints", { method: "POST", headers: { ...bearer(key), "Content-Type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return EndpointWithSecret.parse(await res.json());
}

/** An outbox row, written as intake writes one. `enqueued` marks it sent so the sweeper leaves it alone. */
export async function insertEvent(owner: { workspaceId: string; mode: Mode }, type: EventType, data: Record<string, unknown>, options: { enqueued?: boolean; createdAt?: Date } = {}) {
  const row = newEvent(owner, type, data);
  if (options.createdAt) row.createdAt = options.createdAt;
  await db()
    .insert(events)
    .values({ ...row, enqueuedAt: options.enqueued === false ? null : new Date() });
  return row;
}

export async function agentWithWebhook(workspaceId: string, url: string, secret: string, mode: Mode = "live", postCallJson: "compact" | "python" = "compact") {
  const id = newId("agent");
  await db().insert(agents).values({ id, workspaceId, mode, name: "Agent Smith", phone: "+14155550100", webhookUrl: url, webhookSecret: secret, postCallJson });
  return { id };
}

/** A queue producer that keeps what it is sent, for tests that run the consumer by hand. */
export function recordingQueue() {
  const sent: { body: WebhookMessage; delaySeconds?: number }[] = [];
  const queue = {
    async send(body: unknown, options?: { delaySeconds?: number }) {
      sent.push({ body: body as WebhookMessage, delaySeconds: options?.delaySeconds });
    },
    async sendBatch(messages: Iterable<MessageSendRequest<unknown>>) {
      for (const m of messages) sent.push({ body: m.body as WebhookMessage, delaySeconds: m.delaySeconds });
    },
  } as unknown as Queue<unknown>;
  return { queue, sent };
}

let messageCount = 0;

/** Runs messages through the Worker's queue handler as one batch, and returns what it decided. */
export async function runQueue(queueName: string, bodies: unknown[], options: { attempts?: number; bindings?: Partial<Bindings> } = {}) {
  const batch = createMessageBatch(
    queueName,
    bodies.map((body) => ({ id: `msg-${Date.now()}-${messageCount++}`, timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  // The test pool's messages note a retry but not its options; these wrappers keep the delay.
  const retries: { msgId: string; delaySeconds: number | undefined }[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (opts?: QueueRetryOptions) => {
      retries.push({ msgId: message.id, delaySeconds: opts?.delaySeconds });
      retry(opts);
    };
  }
  const ctx = createExecutionContext();
  let thrown: unknown = null;
  await worker.queue(batch, { ...bindings, ...options.bindings } as Bindings, ctx).catch((err: unknown) => (thrown = err));
  const result = await getQueueResult(batch, ctx);
  return { batch, result, retries, thrown };
}

export async function deliveriesOf(eventId: string) {
  return db().select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
}

// One valid payload per event type, for the catalogue tests and the fan-out.
const t = "2026-11-21T10:30:00Z";
export const samplePayloads: Record<EventType, Record<string, unknown>> = {
  "form_response.created": { id: "fr_1", lead_id: "lead_1", form_data: { name: "Zoë", phone: "+14155550100" }, created_at: t },
  "lead.updated": { id: "lead_1", phone: "+14155550100", name: "Zoë", updated_at: t },
  "callback.scheduled": { id: "cb_1", lead_id: "lead_1", status: "scheduled", scheduled_at: t },
  "callback.held": { id: "cb_1", lead_id: "lead_1", status: "scheduled", scheduled_at: t, next_attempt_at: t, hold: { until: t, reason: "calling_hours", rule: "US-FL 08:00-20:00" } },
  "callback.completed": { id: "cb_1", lead_id: "lead_1", status: "completed", scheduled_at: t, completed_at: t },
  "call.initiated": { call_id: "att_1", callback_id: "cb_1", status: "queued", at: t },
  "call.connected": { call_id: "att_1", callback_id: "cb_1", status: "in-progress", at: t },
  "call.completed": { call_id: "att_1", callback_id: "cb_1", status: "completed", at: t, duration_seconds: 141 },
  "call.missed": { call_id: "att_1", callback_id: "cb_1", status: "no-answer", at: t, reason: "no-answer" },
  post_call: postCall("agt_x"),
  "webhook.test": { endpoint_id: "we_1", message: "A test event from Ringback" },
};

/** Seed 002's example payload, for an agent of ours. */
export function postCall(agentId: string, overrides: Record<string, unknown> = {}) {
  return {
    webhook_version: "v1",
    webhook_timestamp: "2024-01-15T10:35:00Z",
    webhook_type: "post_call",
    call_id: "conv_01k0gg6an6e6gape2e0hzap1zx",
    agent_id: agentId,
    phone_number: "+1234567890",
    from_phone_number: "+13239776447",
    status: "done",
    intent: "account_setup",
    intent_confidence: 0.9,
    lead_data: { name: "John Doe", email: "john@example.com", phone: "+1234567890" },
    duration_minutes: 2.35,
    duration_seconds: 141,
    start_time: "2024-01-15T10:30:00Z",
    end_time: "2024-01-15T10:32:21Z",
    call_successful: "success",
    language: "en",
    credits_deducted: 0.527,
    metadata: {
      summary: "John contacted support to inquire about...",
      transcript: "Agent: Hey, is this John?\nUser: Yes...",
      transcript_turns: [
        { role: "agent", message: "Hey, is this John?", time_in_call_secs: 0 },
        { role: "user", message: "Yes, this is John.", time_in_call_secs: 2 },
      ],
    },
    recording_url: "https://www.calldock.co/api/recordings/conv_01k0gg6an6e6gape2e0hzap1zx",
    ...overrides,
  };
}
