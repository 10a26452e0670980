import { and, inArray, sql } from "drizzle-orm";
import { expect } from "vitest";
import { events, webhookDeliveries, webhookEndpoints } from "../../db/schema/index.ts";
import { sendDueDeliveries, sweepOutbox } from "../../functions/cron/webhooks.ts";
import type { WebhookMessage } from "../../functions/lib/outbox.ts";
import { db, testEnv } from "./fixtures.ts";
import { bindings, runQueue } from "./webhooks-helpers.ts";

// A hostile queue for the durability test: it drops messages, dead-letters others and kills the
// consumer mid-batch, while the cron runs and time passes between rounds. Only the test's own
// events are harmed: any other message (another test's, picked up by the same sweep) goes on to
// the real queue untouched.

export type Fate = "deliver" | "drop" | "dead-letter";
type Lane = "webhooks" | "webhooks-slow";

export type ChaosCounts = { dropped: number; deadLettered: number; crashedBatches: number; delivered: number; rounds: number };

export function chaosQueue(mine: Set<string>) {
  const held: { lane: Lane; body: WebhookMessage }[] = [];
  const producer = (lane: Lane, real: Queue<unknown>) => {
    const send = async (body: WebhookMessage, options?: QueueSendOptions) => {
      if (mine.has(body.event_id)) held.push({ lane, body });
      else await real.send(body, options);
    };
    const sendBatch = async (messages: Iterable<MessageSendRequest<WebhookMessage>>) => {
      for (const m of messages) await send(m.body, m);
    };
    return { send, sendBatch } as unknown as Queue<unknown>;
  };
  const queues = { WEBHOOKS: producer("webhooks", bindings.WEBHOOKS), WEBHOOKS_SLOW: producer("webhooks-slow", bindings.WEBHOOKS_SLOW) };
  return { queues, take: () => held.splice(0, held.length) };
}

/** Two hours pass for these events, their deliveries and endpoints: every lease, pause and retry wait is over. */
export async function timePasses(eventIds: string[], endpointIds: string[]) {
  const back = (column: string) => sql.raw(`${column} = ${column} - interval '2 hours'`);
  await db().batch([
    db().execute(sql`UPDATE events SET ${back("enqueued_at")}, ${back("claimed_at")}, ${back("created_at")} WHERE id IN ${inList(eventIds)}`),
    db().execute(sql`UPDATE webhook_deliveries SET ${back("next_attempt_at")}, ${back("leased_until")} WHERE event_id IN ${inList(eventIds)}`),
    db().execute(sql`UPDATE webhook_endpoints SET ${back("paused_until")} WHERE id IN ${inList(endpointIds)}`),
  ]);
}

const inList = (ids: string[]) => sql`(${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`;

/**
 * Runs the cron and the consumers under chaos until every event is fanned out and every delivery
 * has succeeded: `chaosRounds` rounds of drops, dead letters and killed batches, then the cause is
 * gone and rounds run clean, as the outage ending would leave them.
 */
export async function runUnderChaos(options: { eventIds: string[]; endpointIds: string[]; random: () => number; chaosRounds: number; maxRounds: number }) {
  const { eventIds, endpointIds, random } = options;
  const mine = new Set(eventIds);
  const chaos = chaosQueue(mine);
  const env = { ...testEnv(), ...chaos.queues };
  const counts: ChaosCounts = { dropped: 0, deadLettered: 0, crashedBatches: 0, delivered: 0, rounds: 0 };
  for (let round = 0; round < options.maxRounds; round++) {
    if (await allDone(eventIds)) break;
    counts.rounds++;
    const hostile = round < options.chaosRounds;
    await sweepOutbox(env);
    await sendDueDeliveries(env);
    // Each lane's messages run in the order they were sent, including the follow-ups the
    // consumer sends while this round runs, until none are left.
    for (let messages = chaos.take(); messages.length > 0; messages = chaos.take()) {
      const fates = messages.map((m) => ({ ...m, fate: hostile ? fateOf(random()) : ("deliver" as Fate) }));
      const dead = fates.filter((m) => m.fate === "dead-letter");
      counts.dropped += fates.filter((m) => m.fate === "drop").length;
      counts.deadLettered += dead.length;
      if (dead.length > 0) expect((await runQueue("webhooks-dlq", dead.map((m) => m.body))).result.ackAll).toBe(true);
      const live = fates.filter((m) => m.fate === "deliver");
      counts.delivered += live.length;
      for (const lane of ["webhooks", "webhooks-slow"] as const) {
        const bodies = live.filter((m) => m.lane === lane).map((m) => m.body);
        for (let i = 0; i < bodies.length; i += 10) {
          const batch = bodies.slice(i, i + 10);
          // A killed consumer: recording one of the batch's attempts fails after its request went
          // out, and the batch's messages are lost with it (not retried, not acknowledged).
          const victim = hostile && random() < 0.3 ? batch[Math.floor(random() * batch.length)]!.event_id : null;
          if (victim) await db().execute(sql`INSERT INTO test_crash_events VALUES (${victim}) ON CONFLICT DO NOTHING`);
          const run = await runQueue(lane, batch, { bindings: chaos.queues });
          if (victim) await db().execute(sql`DELETE FROM test_crash_events WHERE event_id = ${victim}`);
          if (run.thrown) counts.crashedBatches++;
        }
      }
    }
    await timePasses(eventIds, endpointIds);
  }
  return counts;
}

function fateOf(r: number): Fate {
  return r < 0.2 ? "drop" : r < 0.35 ? "dead-letter" : "deliver";
}

async function allDone(eventIds: string[]): Promise<boolean> {
  const [unfanned, undelivered] = await Promise.all([
    db().$count(events, and(inArray(events.id, eventIds), sql`${events.fannedOutAt} IS NULL`)),
    db().$count(webhookDeliveries, and(inArray(webhookDeliveries.eventId, eventIds), sql`${webhookDeliveries.status} <> 'succeeded'`)),
  ]);
  return unfanned === 0 && undelivered === 0;
}

export async function endpointRows(ids: string[]) {
  return db().select().from(webhookEndpoints).where(inArray(webhookEndpoints.id, ids));
}
