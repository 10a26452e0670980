import { z } from "zod";
import type { Env } from "../env.ts";

/** The body of a message on the `calls` queue. */
export const DialMessage = z.object({ callback_id: z.string().min(1) });

// Cloudflare Queues delay a message by at most 12 hours; later callbacks wait for the cron,
// which hands every due callback to the queue.
const maxDelaySeconds = 12 * 3600;

/** Puts a dial job on the `calls` queue for `at`, if that is within the queue's reach. */
export async function queueDial(env: Env, callbackId: string, at: Date): Promise<void> {
  const delaySeconds = Math.max(0, Math.ceil((at.getTime() - Date.now()) / 1000));
  if (delaySeconds > maxDelaySeconds) return;
  await env.CALLS.send({ callback_id: callbackId } satisfies z.infer<typeof DialMessage>, { delaySeconds, contentType: "json" });
}
