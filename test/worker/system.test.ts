import { createExecutionContext, createMessageBatch, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../functions/index.ts";
import { parseEnv, type Bindings } from "../../functions/env.ts";
import { Health } from "../../schemas/health.ts";
import { Problem } from "../../schemas/problem.ts";
import { call } from "./fixtures.ts";

const bindings = env as unknown as Bindings;

describe("GET /health", () => {
  it("reports the database and Redis reachable, without a key", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    const health = Health.parse(await res.json());
    expect(health).toMatchObject({ status: "ok", database: { ok: true }, redis: { ok: true } });
  });

  it("reports Redis down as degraded, not as a 5xx", async () => {
    const broken = { ...bindings, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" } as Bindings;
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("https://ringback.test/health"), broken, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const health = Health.parse(await res.json());
    expect(health).toMatchObject({ status: "degraded", database: { ok: true }, redis: { ok: false, error: "unreachable" } });
    expect(JSON.stringify(health)).not.toContain(bindings.UPSTASH_REDIS_REST_TOKEN as string);
  });
});

describe("errors", () => {
  it("answers an unknown route with a problem+json 404", async () => {
    const res = await call("/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(Problem.parse(await res.json())).toMatchObject({ status: 404, code: "not_found" });
  });

  it("names a missing setting in the log and answers 503 without internals", async () => {
    const { DATABASE_URL: _, ...missing } = bindings;
    expect(() => parseEnv(missing as Bindings)).toThrow(/DATABASE_URL/);
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("https://ringback.test/health"), missing as Bindings, ctx);
    expect(res.status).toBe(503);
    expect(JSON.stringify(await res.json())).not.toMatch(/DATABASE_URL|postgres/);
  });

  it("refuses local-stack settings in production", () => {
    expect(() => parseEnv({ ...bindings, ENVIRONMENT: "production" } as Bindings)).toThrow(/NEON_SQL_ENDPOINT/);
  });

  it("names a missing queue binding", () => {
    const { WEBHOOKS: _, ...noQueue } = bindings;
    expect(() => parseEnv(noQueue as Bindings)).toThrow(/WEBHOOKS/);
  });
});

describe("GET /openapi.json", () => {
  it("documents the routes from their schemas", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/health", "/v1/me"]));
    expect(doc.paths["/v1/me"]?.get?.responses).toHaveProperty("401");
  });

  it("documents the 503 of an outage on every route that refuses requests, and not on /health", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const op of Object.values(methods)) {
        const refuses = Object.keys(op.responses).some((status) => status.startsWith("4"));
        expect({ path, documented: Object.hasOwn(op.responses, "503") }).toEqual({ path, documented: refuses });
      }
    }
    expect(doc.paths["/health"]?.get?.responses).not.toHaveProperty("503");
    expect(doc.paths["/v1/me"]?.get?.responses).toHaveProperty("503");
  });
});

describe("queue", () => {
  it("retries messages of a queue that has no consumer rather than acknowledging them", async () => {
    const batch = createMessageBatch("unconsumed", [{ id: "m1", timestamp: new Date(), attempts: 1, body: { event_id: "evt_x" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, bindings, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
  });
});
