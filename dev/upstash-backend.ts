// The Redis behind the Upstash bridge: a real server through ioredis, or ioredis-mock in memory for
// machines without Redis. Both answer the same two calls, so the bridge has one code path.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import RedisMock from "ioredis-mock";

export type Arg = string | Buffer;
export type Outcome = { ok: true; value: unknown } | { ok: false; error: Error };

export interface RedisBackend {
  kind: "redis" | "memory";
  /** False while the connection to Redis is down (and being retried). */
  ready(): boolean;
  /** Runs commands in order; other clients' commands may interleave, as on Upstash. */
  pipeline(commands: Arg[][]): Promise<Outcome[]>;
  /** Runs commands as one MULTI/EXEC; rejects when Redis discards the whole transaction. */
  transaction(commands: Arg[][]): Promise<Outcome[]>;
  close(): Promise<void>;
}

export async function openBackend(redisUrl: string | undefined): Promise<RedisBackend> {
  return redisUrl === undefined ? memoryBackend() : await redisBackend(redisUrl);
}

// Upstash answers at once or not at all, and the Worker gives up on it after a second
// (functions/lib/ratelimit.ts). So the bridge holds nothing past that: while the connection is
// down a command is refused at once (no offline queue, no resending after a reconnect), and a
// command Redis does not answer fails after the Worker's own deadline. It keeps reconnecting.
const commandDeadlineMs = 1000;

async function redisBackend(redisUrl: string): Promise<RedisBackend> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandDeadlineMs,
  });
  // A failed start is reported once, by the rejection below; later connection errors are logged.
  const quiet = () => undefined;
  redis.on("error", quiet);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    // The URL may carry a password, so it stays out of the message.
    throw new Error(`upstash-bridge: could not connect to Redis: ${(err as Error).message}`);
  }
  redis.off("error", quiet);
  redis.on("error", (err: Error) => console.error("upstash-bridge: Redis connection failed:", err.message));
  return {
    kind: "redis",
    ready: () => redis.status === "ready",
    // callBuffer keeps bulk replies as bytes, so binary values survive until they are encoded.
    pipeline: (commands) =>
      settle(commands.map(([name, ...args]) => redis.callBuffer(String(name), ...args))),
    async transaction(commands) {
      const multi = redis.multi();
      for (const [name, ...args] of commands) multi.callBuffer(String(name), ...args);
      const replies = (await multi.exec()) ?? [];
      return replies.map(([error, value]) => (error ? { ok: false, error } : { ok: true, value }));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

// ioredis-mock has no generic `call`, so commands are looked up by name. Its commands run
// synchronously when called, so issuing them all in one turn of the event loop is atomic. Values
// come back as JS strings; they round-trip exactly because they arrived as JSON strings.
function memoryBackend(): RedisBackend {
  // Mocks share data by host:port, so a unique host gives each bridge its own store.
  const mock = new RedisMock({ host: `memory-${randomUUID()}`, lazyConnect: false });
  const commands = mock as unknown as Record<string, unknown>;
  const call = ([name, ...args]: Arg[]): Promise<unknown> => {
    const command = String(name);
    const fn = commands[command];
    try {
      if (!/^[a-z][a-z_]*$/.test(command) || !Object.hasOwn(mock, command) || typeof fn !== "function") {
        throw new Error(`ERR unknown command '${command}'`);
      }
      return Promise.resolve(fn.apply(mock, args));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const runAll = (list: Arg[][]) => settle(list.map(call));
  return {
    kind: "memory",
    ready: () => true,
    pipeline: runAll,
    transaction: runAll,
    async close() {
      await mock.flushall();
      mock.disconnect();
    },
  };
}

async function settle(replies: Promise<unknown>[]): Promise<Outcome[]> {
  const settled = await Promise.allSettled(replies);
  return settled.map((s) =>
    s.status === "fulfilled"
      ? { ok: true, value: s.value }
      : { ok: false, error: s.reason instanceof Error ? s.reason : new Error(String(s.reason)) },
  );
}
