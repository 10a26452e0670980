import { sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { newId } from "../../schemas/ids.ts";
import { deadLetters } from "../schema/index.ts";

export type DeadLetter = { queue: string; messageId: string; attempts: number; body: unknown; eventId: string | null; reason: string };

/**
 * Records parked messages. A message recorded before (a redelivery) is kept once; the workspace
 * is looked up from the event, when the message names one that exists.
 */
export async function recordDeadLetters(db: Db, letters: DeadLetter[]): Promise<void> {
  if (letters.length > 0) await insertDeadLetters(db, letters);
}

/** The insert itself, for a caller that commits it with other writes in one db.batch. */
export function insertDeadLetters(db: Db, letters: DeadLetter[]) {
  return db
    .insert(deadLetters)
    .values(
      letters.map((l) => ({
        id: newId("deadLetter"),
        queue: l.queue,
        messageId: l.messageId,
        attempts: l.attempts,
        body: l.body,
        eventId: l.eventId,
        workspaceId: l.eventId ? sql`(SELECT workspace_id FROM events WHERE id = ${l.eventId})` : null,
        reason: l.reason,
      })),
    )
    .onConflictDoNothing({ target: [deadLetters.queue, deadLetters.messageId] });
}
