import type { Env } from "../env.ts";
import { publishAfterCommit } from "../lib/outbox.ts";

type Ctx = { waitUntil(promise: Promise<unknown>): void };

/** Sends the events a dialler statement wrote (its rows are their ids) on their way, after the commit. */
export function publish(env: Env, ctx: Ctx, result: { rows: unknown[] }): void {
  const ids = result.rows.map((row) => ({ id: (row as { id: string }).id }));
  if (ids.length > 0) publishAfterCommit(env, ctx, ids);
}
