import fc from "fast-check";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bearer, call, db, json, makeAgent, makeDomain, makeKey, tenant } from "./fixtures.ts";
import { describeRequest, fuzzRequest, type FuzzFixture, type FuzzRequest } from "./fuzz-requests.ts";
import { receiver } from "./webhooks-helpers.ts";

// Every public route, fuzzed: 10,000 generated requests per run, with built-in property names,
// NUL and lone surrogates, deep nesting, numbers past a double, broken bytes and wrong content
// types (test/worker/fuzz-requests.ts). Ringback must answer none of them with a 5xx, and a
// request it refuses must write nothing: each workspace's rows (and the updated_at of those that
// keep one) are the same after a 4xx as before it.
//
// The requests run in four lanes side by side, each in a workspace of its own, so a lane's
// fingerprint changes only with its own requests. The seed is new each run and printed with any
// failure; FUZZ_SEED below replays one.

const total = 10_000;
const lanes = 4;
const FUZZ_SEED: number | null = null;

async function fixture(): Promise<FuzzFixture> {
  // Limits out of the way, so the requests reach the checks behind them.
  const t = await tenant("Fuzz", { requestsPerHour: 1_000_000, callbacksPerPhonePerHour: 1_000_000 });
  const domain = await makeDomain(t.workspace.id);
  const agent = await makeAgent(t.workspace.id);
  const agentKey = await makeKey(t.workspace.id, { agentId: agent.id });
  const publishable = await makeKey(t.workspace.id, { kind: "publishable", allowedOrigins: ["https://shop.example"] });
  // Rows for the routes that take an id to find, so requests reach past the lookup.
  const made = async (path: string, body: unknown) => (await (await call(path, json(t.live.key, body))).json()) as Record<string, string>;
  const callback = await made("/v1/callbacks", { phone: "+14155550100", domain_id: domain.id });
  const endpoint = await made("/v1/webhook_endpoints", { url: (await receiver()).url });
  const events = (await (await call("/v1/events", { headers: bearer(t.live.key) })).json()) as { data: { id: string }[] };
  const ids = { cb: callback.id!, lead: callback.lead_id!, we: endpoint.id!, evt: events.data[0]!.id };
  const link = await made("/v1/links", { domain_id: domain.id });
  const linkPath = new URL(link.url!).pathname;
  return { workspaceId: t.workspace.id, key: t.live.key, domain, agentId: agent.id, agentKey: agentKey.key, publishableKey: publishable.key, ids, linkPath, queryNames: await queryNames() };
}

/** Each operation's query parameters, as the OpenAPI document lists them. */
async function queryNames(): Promise<Record<string, string[]>> {
  type Operation = { parameters?: { name: string; in: string }[] };
  const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, Record<string, Operation>> };
  const names: Record<string, string[]> = {};
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      names[`${method.toUpperCase()} ${path}`] = (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
    }
  }
  return names;
}

/**
 * What a request could have written in a workspace: the rows of every table the API writes, and
 * the latest updated_at of those that keep one. Idempotency keys are left out (a refusal may be
 * kept to be answered again), and so are webhook deliveries, which the queue consumer writes
 * after a request, not the request itself.
 */
async function fingerprint(workspaceId: string): Promise<unknown> {
  const counted = ["leads", "form_responses", "callbacks", "events", "call_logs", "webhook_endpoints", "dnc_numbers", "consents"];
  const updated = ["leads", "callbacks", "webhook_endpoints"];
  const parts = [
    ...counted.map((table) => sql`(SELECT count(*) FROM ${sql.identifier(table)} WHERE workspace_id = ${workspaceId})`),
    ...updated.map((table) => sql`(SELECT max(updated_at) FROM ${sql.identifier(table)} WHERE workspace_id = ${workspaceId})`),
  ];
  const { rows } = await db().execute(sql`SELECT json_build_array(${sql.join(parts, sql`, `)}) AS f`);
  return (rows[0] as { f: unknown }).f;
}

function send(r: FuzzRequest): Promise<Response> {
  const headers = { ...r.headers, ...(r.contentType !== null && { "Content-Type": r.contentType }) };
  return call(r.path, { method: r.method, headers, ...(r.body !== null && { body: r.body }) });
}

describe("fuzzing every public route", () => {
  it(`${total.toLocaleString("en")} hostile requests: no 5xx, and nothing written by a refusal`, { timeout: 600_000 }, async () => {
    const seed = FUZZ_SEED ?? Date.now();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const f = await fixture();
        const requests = fc.sample(fuzzRequest(f), { numRuns: total / lanes, seed: seed + lane });
        let before = await fingerprint(f.workspaceId);
        for (const request of requests) {
          const res = await send(request);
          const text = await res.text();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) failures.push(`${res.status} ${text.slice(0, 200)} ← ${request.route}: ${describeRequest(request)}`);
          const after = await fingerprint(f.workspaceId);
          if (res.status >= 400 && JSON.stringify(after) !== JSON.stringify(before)) {
            failures.push(`${res.status} wrote rows ← ${request.route}: ${describeRequest(request)}`);
          }
          before = after;
        }
      }),
    );
    const seen = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
    expect(failures.slice(0, 20), `seed ${seed}; statuses ${seen.join(" ")}`).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b)).toBe(total);
    // The requests reached the routes' own checks and handlers, not only the front door.
    const count = (test: (status: number) => boolean) => [...statuses].filter(([s]) => test(s)).reduce((n, [, c]) => n + c, 0);
    expect(count((s) => s >= 200 && s < 300), seen.join(" ")).toBeGreaterThan(total / 50);
    expect(count((s) => s === 400 || s === 422), seen.join(" ")).toBeGreaterThan(total / 4);
  });
});
