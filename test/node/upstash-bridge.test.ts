// The Upstash REST bridge, driven by the real @upstash/redis and @upstash/ratelimit clients, in
// front of the local Redis and in memory.
import { createHash, randomBytes } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startUpstashBridge, type UpstashBridge } from "../../dev/upstash-bridge.ts";

const FLAGGED_SCRIPT = "#!lua flags=allow-key-locking\nreturn {ARGV[1], tonumber(ARGV[2]) + 1}";

// The real Redis this test run uses; without one (no REDIS_URL, nothing at 127.0.0.1:6379) only
// the in-memory mode is tested here, and CI, which requires a real Redis, would have failed.
const realRedis = inject("stack").redisUrl;

describe.each([
  ...(realRedis ? [{ backend: "redis", redisUrl: realRedis }] : []),
  { backend: "memory", redisUrl: undefined },
] as const)("bridge in front of $backend", ({ backend, redisUrl }) => {
  const prefix = `rb_devtest_${randomBytes(6).toString("hex")}:`;
  const key = (name: string) => prefix + name;
  let bridge: UpstashBridge;
  let redis: Redis;

  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl, token: randomBytes(16).toString("hex"), port: 0 });
    redis = new Redis({ url: bridge.url, token: bridge.token, retry: false, enableTelemetry: false });
  });

  afterAll(async () => {
    const keys = await redis?.keys(`${prefix}*`);
    if (keys !== undefined && keys.length > 0) await redis.del(...keys);
    await bridge?.close();
  });

  it("reports its backend", () => {
    expect(bridge.backend).toBe(backend);
  });

  it.each([
    ["plain ASCII", "hello"],
    ["non-ASCII", "héllo wörld ✓ 🚀 日本"],
    ["control and high code points", "\u0000\u0001\u007f\u0080\u00ff\uffff\r\n\t"],
    ["the word OK", "OK"],
    ["something that is already base64", "T0s="],
  ])("sets and gets %s", async (_case, value) => {
    expect(await redis.set(key("s"), value)).toBe("OK");
    expect(await redis.get(key("s"))).toBe(value);
  });

  it("returns null for a missing key and round-trips JSON values", async () => {
    expect(await redis.get(key("missing"))).toBeNull();
    await redis.set(key("json"), { n: 1, list: ["ü", null] });
    expect(await redis.get(key("json"))).toEqual({ n: 1, list: ["ü", null] });
  });

  it("increments", async () => {
    expect(await redis.incr(key("n"))).toBe(1);
    expect(await redis.incrby(key("n"), 41)).toBe(42);
  });

  it("sets and reads a hash", async () => {
    expect(await redis.hset(key("h"), { name: "Zoë", visits: 3 })).toBe(2);
    expect(await redis.hgetall(key("h"))).toEqual({ name: "Zoë", visits: 3 });
  });

  it("runs a pipeline and reports a failing command in it", async () => {
    const results = await redis.pipeline().set(key("p"), 1).incr(key("p")).get(key("p")).exec();
    expect(results).toEqual(["OK", 2, 2]);
    await redis.set(key("word"), "text");
    // LPUSH onto a string: one of the wrong-type errors ioredis-mock reports too.
    const kept = await redis.pipeline().lpush(key("word"), "x").get(key("word")).exec({ keepErrors: true });
    expect(kept[0]?.error).toMatch(backend === "redis" ? /^WRONGTYPE/ : /does not contain a list/);
    expect(kept[1]).toEqual({ error: undefined, result: "text" });
  });

  it("runs a MULTI/EXEC transaction", async () => {
    const results = await redis.multi().set(key("m"), 10).incrby(key("m"), 5).get(key("m")).exec();
    expect(results).toEqual(["OK", 15, 15]);
  });

  it("evaluates a script", async () => {
    expect(await redis.eval("return {KEYS[1], ARGV[1], 7}", [key("e")], ["ü"])).toEqual([key("e"), "ü", 7]);
  });

  it("runs Upstash-flagged scripts, then knows them by the client's SHA", async () => {
    const sha = createHash("sha1").update(FLAGGED_SCRIPT).digest("hex");
    await expect(redis.evalsha(sha, [], ["a", "1"])).rejects.toThrow(/NOSCRIPT/);
    expect(await redis.eval(FLAGGED_SCRIPT, [], ["a", "1"])).toEqual(["a", 2]);
    expect(await redis.evalsha(sha, [], ["b", "2"])).toEqual(["b", 3]);
  });

  it("allows exactly the limit of a sliding window, then blocks", async () => {
    const ratelimit = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(3, "10 s"),
      prefix: key("rl"),
      // Without this, a block would be answered from memory and never reach the bridge.
      ephemeralCache: false,
    });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await ratelimit.limit("caller"));
    expect(results.map((r) => [r.success, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect((await ratelimit.limit("someone-else")).success).toBe(true);
  });

  it("refuses a wrong token", async () => {
    const stranger = new Redis({ url: bridge.url, token: "wrong", retry: false, enableTelemetry: false });
    await expect(stranger.get(key("s"))).rejects.toThrow(/Unauthorized/);
    const res = await fetch(`${bridge.url}/pipeline`, {
      method: "POST",
      headers: { Authorization: "Bearer wrong" },
      body: JSON.stringify([["get", key("s")]]),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Unauthorized" });
  });

  describe("on the wire", () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(bridge.url + path, {
        method: "POST",
        headers: { Authorization: `Bearer ${bridge.token}`, ...headers },
        body: JSON.stringify(body),
      });

    it("answers one command at / with {result}, or HTTP 400 with {error}", async () => {
      const ok = await post("/", ["set", key("w"), "ü"]);
      expect([ok.status, await ok.json()]).toEqual([200, { result: "OK" }]);
      const failed = await post("/", ["lpush", key("w"), "x"]);
      expect(failed.status).toBe(400);
      expect(await failed.json()).toEqual({ error: expect.any(String) });
      const unknown = await post("/", ["no-such-command"]);
      expect([unknown.status, await unknown.json()]).toEqual([400, { error: expect.stringMatching(/unknown command/) }]);
    });

    it("encodes strings as base64 at every depth, keeps OK, numbers and null", async () => {
      const base64 = { "Upstash-Encoding": "base64" };
      const res = await post(
        "/pipeline",
        [
          ["set", key("b"), "ü"],
          ["get", key("b")],
          ["eval", "return {ARGV[1], 5, {ARGV[1]}}", "0", "ü"],
          ["get", key("nothing")],
        ],
        base64,
      );
      const u = Buffer.from("ü").toString("base64");
      expect(await res.json()).toEqual([{ result: "OK" }, { result: u }, { result: [u, 5, [u]] }, { result: null }]);
      const plain = await post("/", ["get", key("b")]);
      expect(await plain.json()).toEqual({ result: "ü" });
    });

    it("flattens HGETALL as Upstash does", async () => {
      await post("/", ["hset", key("fh"), "a", "1", "b", "2"]);
      const res = await post("/", ["hgetall", key("fh")]);
      expect(await res.json()).toEqual({ result: ["a", "1", "b", "2"] });
    });

    it("discards a transaction with a refused command as a whole", async () => {
      const res = await post("/multi-exec", [
        ["set", key("x"), "1"],
        ["subscribe", "news"],
      ]);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "ERR command is not available: 'subscribe'" });
      expect(await redis.get(key("x"))).toBeNull();
    });

    it("accepts the upstash-sync-token header", async () => {
      const res = await post("/", ["get", key("b")], { "upstash-sync-token": "whatever" });
      expect(res.status).toBe(200);
    });
  });
});

describe.skipIf(!realRedis)("bridge in front of redis only", () => {
  let bridge: UpstashBridge;
  let redis: Redis;

  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: realRedis, token: "t0ken" });
    redis = new Redis({ url: bridge.url, token: bridge.token, retry: false, enableTelemetry: false });
  });

  afterAll(() => bridge?.close());

  // ioredis-mock has no SCRIPT command, so this runs against the real server only.
  it("answers SCRIPT LOAD with the SHA of the script as sent", async () => {
    const sha = createHash("sha1").update(FLAGGED_SCRIPT).digest("hex");
    expect(await redis.scriptLoad(FLAGGED_SCRIPT)).toBe(sha);
    expect(await redis.evalsha(sha, [], ["c", "3"])).toEqual(["c", 4]);
  });

  it("keeps Lua line numbers in errors after removing the flag", async () => {
    const script = "#!lua flags=allow-key-locking\nlocal x = 1\nerror('boom')";
    await expect(redis.eval(script, [], [])).rejects.toThrow(/:3: boom/);
  });

  it("fails to start when Redis cannot be reached", async () => {
    await expect(startUpstashBridge({ redisUrl: "redis://127.0.0.1:1", token: "t" })).rejects.toThrow(
      /could not connect to Redis/,
    );
  });
});
