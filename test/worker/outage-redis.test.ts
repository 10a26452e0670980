import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import worker from "../../functions/index.ts";
import type { Bindings } from "../../functions/env.ts";
import { incoming } from "./fixtures.ts";
import { countWritten } from "./rows.ts";
import { fixture, routes } from "./route-families.ts";

import type {} from "../setup/black-hole-types.ts";

// Redis trouble fails open (README, "Redis trouble fails open"): at once when Redis cannot be
// reached, after the limiter's 1 s deadline when it takes the request and never answers. The
// request goes on unlimited and says so. How long each takes is for the benchmarks; here, that
// every rate-limited route answers as it would with Redis up, and marks it.

const bindings = env as unknown as Bindings;

// Every keyed route counts requests in Redis: each kind's pipeline has the rate limit.
const limited = routes;
// One route of each family, for the silent Redis, where each request waits out the deadline.
const onePerFamily = limited.filter((route) => /form_responses|\/webhook\.php|make-call|GET \/rest|POST \/v1\/callbacks$|GET \/v1\/leads$|POST \/v1\/dnc|GET \/v1\/webhook_endpoints$|GET \/v1\/events$|GET \/v1\/me/.test(route.name));

async function withRedisAt(url: string, path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(incoming(path, init), { ...bindings, UPSTASH_REDIS_REST_URL: url } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe.each([
  ["unreachable (connection refused)", () => "http://127.0.0.1:9", limited],
  ["silent (takes the request, never answers)", () => inject("blackHole").url, onePerFamily],
])("Redis %s", (_name, url, table) => {
  it.each(table.map((route) => [route.name, route] as const))("%s goes on unlimited and says so", async (_route, route) => {
    const f = await fixture();
    const [path, init] = route.request(f);
    const before = await countWritten(f.workspaceId, { management: true });
    const res = await withRedisAt(url(), path, init);
    const text = await res.text();
    // As with Redis up: a write succeeds, an id that names nothing is a 404.
    const unknownId = /\{(id|phone)\}/.test(route.name);
    expect({ status: res.status, text }).toMatchObject({ status: unknownId ? 404 : expect.toSatisfy((s: number) => s === 200 || s === 201 || s === 202) });
    expect(res.headers.get("x-ratelimit-degraded")).toBe("1");
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    if (/^(\w+ )?POST/.test(route.name) && !unknownId && route.writes !== false) expect(await countWritten(f.workspaceId, { management: true })).toBeGreaterThan(before);
  });
});
