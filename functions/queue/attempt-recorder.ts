import type { Db } from "../../db/client.ts";
import { recordAttemptStatement, recordResult, type Recorded, type RecordResult } from "../../db/queries/webhook-work.ts";

/**
 * At most `size` operations at once: the six connections a Worker invocation may hold open. A
 * fetch started beyond them would wait inside the runtime with its timeout already running, and a
 * healthy receiver would be taken for a slow one. `first` goes ahead of those already waiting.
 */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async use<T>(work: () => Promise<T>, { first = false } = {}): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => (first ? this.#waiting.unshift(resolve) : this.#waiting.push(resolve)));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

type Waiting = { recorded: Recorded; endpointId: string | null; resolve: (r: RecordResult) => void; reject: (err: unknown) => void };

const byEndpoint = (a: Waiting, b: Waiting) => {
  const [x, y] = [a.endpointId ?? "", b.endpointId ?? ""];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Statements in one round trip at most: the group is one transaction, its locks held to its end. */
const maxGroup = 50;

/**
 * Writes attempts as they end, one write at a time, taking the next free connection ahead of the
 * senders (whose runners are waiting for their writes to go on). An attempt that ends while none
 * is being written is written at once, alone, as before; those that end while a write is in
 * flight go together in the next one (one db.batch, one round trip), so under load the lane
 * makes one round trip for several attempts instead of one each, and a sender does not hold a
 * connection while its attempt is written. A group that fails is written again one statement at a
 * time, so one attempt that cannot be written (a bad row, a deadlock) fails only itself, as when
 * each was its own statement.
 *
 * A group is one transaction, which locks the endpoint rows it changes until it commits: its
 * statements go in endpoint order, so two groups (the two lanes, or two consumers on Cloudflare)
 * always lock endpoints in the same order and cannot deadlock. Delivery rows are never shared:
 * each is written only under its own lease token.
 */
export class AttemptRecorder {
  readonly #waiting: Waiting[] = [];
  #writing = false;

  constructor(
    private readonly db: Db,
    private readonly slots: Slots,
  ) {}

  record(recorded: Recorded, endpointId: string | null): Promise<RecordResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ recorded, endpointId, resolve, reject });
      if (!this.#writing) void this.#write();
    });
  }

  async #write(): Promise<void> {
    this.#writing = true;
    while (this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, maxGroup).sort(byEndpoint);
      try {
        const results = await this.#together(group.map((w) => w.recorded));
        for (const [i, w] of group.entries()) {
          const result = results[i];
          if (result) w.resolve(result);
          else w.reject(new Error("webhooks: the recorder got no result for an attempt"));
        }
      } catch (err) {
        // Nothing of the group was written (one transaction): each on its own now.
        const [only] = group;
        if (group.length === 1 && only) only.reject(err);
        else for (const w of group) await this.#alone(w.recorded).then(w.resolve, w.reject);
      }
    }
    this.#writing = false;
  }

  #together(recorded: Recorded[]): Promise<RecordResult[]> {
    return this.slots.use(
      async () => {
        const [first, ...rest] = recorded.map((r) => recordAttemptStatement(this.db, r));
        if (!first) return [];
        if (rest.length === 0) return [recordResult((await first).rows)];
        const results = await this.db.batch([first, ...rest]);
        return results.map((result) => recordResult(result.rows));
      },
      { first: true },
    );
  }

  #alone(recorded: Recorded): Promise<RecordResult> {
    return this.slots.use(async () => recordResult((await recordAttemptStatement(this.db, recorded)).rows), { first: true });
  }
}
