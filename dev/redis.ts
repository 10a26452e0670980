import { Redis } from "ioredis";

export type RedisChoice = { url: string | undefined; source: "REDIS_URL" | "local server" | "in-memory stand-in" };

/** Finds Redis: REDIS_URL if set; else 127.0.0.1:6379; else the in-memory stand-in. */
export async function resolveRedis(): Promise<RedisChoice> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, source: "REDIS_URL" };
  const local = "redis://127.0.0.1:6379";
  return (await canPing(local)) ? { url: local, source: "local server" } : { url: undefined, source: "in-memory stand-in" };
}

async function canPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
