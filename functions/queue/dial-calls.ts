import { dialCallback } from "../calls/dial.ts";
import { DialMessage } from "../calls/queue-dial.ts";
import type { Env } from "../env.ts";
import { deadLetterOf } from "./dead-letters.ts";
import { recordDeadLetters } from "../../db/queries/dead-letters.ts";
import { httpDb } from "../../db/client.ts";
import { loggable } from "../lib/log-error.ts";

/**
 * The `calls` consumer: each message names a callback to dial now. The claim inside
 * dialCallback makes a repeated or late message harmless: it finds the callback taken or not
 * due. A message that cannot be parsed is recorded as a dead letter, not retried forever.
 */
export async function dialCalls(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = DialMessage.safeParse(message.body);
      if (!parsed.success) {
        await recordDeadLetters(httpDb(env), [deadLetterOf("calls", message, "not a dial message")]);
        message.ack();
        return;
      }
      try {
        await dialCallback(env, ctx, parsed.data.callback_id);
        message.ack();
      } catch (err) {
        console.error(`calls: dialling ${parsed.data.callback_id} failed; retrying`, loggable(err));
        message.retry({ delaySeconds: Math.min(300, 10 * 2 ** message.attempts) });
      }
    }),
  );
}
