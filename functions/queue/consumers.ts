import type { Env } from "../env.ts";
import { recordQueueDeadLetters } from "./dead-letters.ts";
import { deliverFastWebhooks, deliverSlowWebhooks } from "./deliver-webhooks.ts";
import { dialCalls } from "./dial-calls.ts";

export type Consumer = (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>;

// Queue name → consumer. Names are the base names from wrangler.toml; an environment may add a
// suffix (webhooks-staging), which is stripped before the lookup. The dead-letter queues are
// recorded the same way, under the queue their messages came from; the webhook lanes share one.
const consumers: Record<string, Consumer> = {
  webhooks: deliverFastWebhooks,
  "webhooks-slow": deliverSlowWebhooks,
  "webhooks-dlq": recordQueueDeadLetters,
  calls: dialCalls,
  "calls-dlq": recordQueueDeadLetters,
};

export async function consume(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const consumer = consumers[baseName(batch.queue)];
  if (!consumer) {
    // Leave the messages on the queue (they retry and end in its dead-letter queue) rather than
    // acknowledging work nobody did.
    console.error(`queue ${batch.queue}: no consumer is registered; ${batch.messages.length} message(s) retried`);
    batch.retryAll();
    return;
  }
  await consumer(batch, env, ctx);
}

export function baseName(queue: string): string {
  return queue.replace(/-(staging|preview)$/, "");
}
