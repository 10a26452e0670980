import type { DeadLetter } from "../../db/queries/dead-letters.ts";
import { recordDeadLetters } from "../../db/queries/dead-letters.ts";
import type { Env } from "../env.ts";
import { httpDb } from "../../db/client.ts";
import { loggable } from "../lib/log-error.ts";

/** A dead letter for a message: its body kept as JSON whatever it was, and the event it names, if any. */
export function deadLetterOf(queue: string, message: Message<unknown>, reason: string): DeadLetter {
  const body = jsonSafe(message.body);
  const eventId = typeof body === "object" && body !== null && "event_id" in body && typeof body.event_id === "string" ? body.event_id : null;
  return { queue, messageId: message.id, attempts: message.attempts, body, eventId: eventId && /^evt_[0-9a-z]{26}$/.test(eventId) ? eventId : null, reason };
}

/**
 * The dead-letter consumer (webhooks-dlq, calls-dlq): every message a queue gave up on is recorded in
 * Postgres. Nothing is acknowledged until it is written; a failed write retries the batch.
 *
 * Recording is all it needs to do: what a dead webhook message carried is sent again by the cron,
 * an event because it is not fanned out once its lease is over, a delivery because it is pending
 * with a next_attempt_at; a dead dial job's callback is still due, and the cron dials it.
 */
export async function recordQueueDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // webhooks-dlq, or webhooks-dlq-staging: recorded under the queue the messages came from.
  const origin = batch.queue.replace(/-dlq(-staging|-preview)?$/, "");
  const letters = batch.messages.map((m) => deadLetterOf(origin, m, "the queue gave up after its retries"));
  try {
    await recordDeadLetters(httpDb(env), letters);
  } catch (err) {
    console.error(`dead letters: recording ${letters.length} message(s) from ${batch.queue} failed; retrying`, loggable(err));
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  batch.ackAll();
}

function jsonSafe(body: unknown): unknown {
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return { bytes_base64: btoa(binary) };
  }
  try {
    const text = JSON.stringify(body);
    // jsonb cannot hold \u0000; such a body is kept as its JSON text.
    if (text === undefined) return { unrepresentable: String(body) };
    return text.includes("\\u0000") ? { json: text.replaceAll("\\u0000", "\\\\u0000") } : JSON.parse(text);
  } catch {
    return { unrepresentable: String(body) };
  }
}
