// The Upstash bridge while its Redis is away: it must answer at once that Redis is unreachable
// (so the Worker fails open at once), give up on a command Redis takes and never answers within
// the Worker's own deadline, and carry on when Redis is back. Redis is reached through a TCP
// proxy here, which the tests cut (connections refused) or stall (bytes held, nothing answered,
// as a stopped Redis looks).
import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startUpstashBridge, type UpstashBridge } from "../../dev/upstash-bridge.ts";

const realRedis = inject("stack").redisUrl;

/** A TCP proxy to Redis that can refuse connections (`cut`) or stop passing bytes on (`stall`). */
async function redisProxy(target: URL) {
  const sockets = new Set<Socket>();
  const held: (() => void)[] = [];
  let stalled = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => sockets.delete(socket));
    }
    const pass = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => (stalled ? held.push(() => to.write(chunk)) : to.write(chunk)));
    pass(client, upstream);
    pass(upstream, client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
      for (const send of held.splice(0)) send();
    },
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    restore: () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!realRedis)("bridge in front of a Redis that goes away", () => {
  const key = `rb_devtest_${randomBytes(6).toString("hex")}`;
  let proxy: Awaited<ReturnType<typeof redisProxy>>;
  let bridge: UpstashBridge;
  let redis: Redis;

  beforeAll(async () => {
    proxy = await redisProxy(new URL(realRedis!));
    bridge = await startUpstashBridge({ redisUrl: proxy.url, token: randomBytes(16).toString("hex"), port: 0 });
    // A patient client: what it gets back is the bridge's answer, never its own deadline.
    redis = new Redis({ url: bridge.url, token: bridge.token, retry: false, enableTelemetry: false, signal: () => AbortSignal.timeout(15_000) });
  });

  afterAll(async () => {
    proxy?.resume();
    await redis?.del(key).catch(() => undefined);
    await bridge?.close();
    await proxy?.close();
  });

  it("answers that Redis is unreachable while it is down, and carries on when it is back", async () => {
    expect(await redis.set(key, "before")).toBe("OK");
    await proxy.cut();
    await expect(redis.get(key)).rejects.toThrow(/ERR Redis is unreachable/);
    // The Worker's limiter, as functions/lib/ratelimit.ts makes it: an error to fail open on,
    // not its own 1 s timeout.
    const limiter = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(10, "1 h"), prefix: key, timeout: 1000, analytics: false });
    await expect(limiter.limit("workspace")).rejects.toThrow(/ERR Redis is unreachable/);

    await proxy.restore();
    let value: unknown = null;
    for (let tries = 0; tries < 150 && value === null; tries++) {
      value = await redis.get(key).catch(() => null);
      if (value === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(value).toBe("before");
  });

  it("gives up on a command Redis takes and never answers, rather than holding the request", async () => {
    proxy.stall();
    await expect(redis.get(key)).rejects.toThrow(/Command timed out/);
    proxy.resume();
  });
});
