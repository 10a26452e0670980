import { describe, expect, it } from "vitest";
import { call, json, makeAgent, makeDomain, tenant } from "./fixtures.ts";
import { countWritten, rowsOf } from "./rows.ts";

// Edges found in review: races, odd text, and whose request an Idempotency-Key belongs to.

describe("identical requests at the same moment", () => {
  it("schedule one callback between them", async () => {
    const { workspace, live } = await tenant("Racing", { requestsPerHour: 1000, callbacksPerPhonePerHour: 100 });
    const body = { phone: "+14155550188", name: "Race" };
    const responses = await Promise.all(Array.from({ length: 8 }, () => call("/v1/callbacks", json(live.key, body))));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    expect((await rowsOf(workspace.id)).callbacks).toHaveLength(1);
  });
});

describe("text PostgreSQL cannot store", () => {
  it("a lone UTF-16 surrogate is a 400 in the endpoint's shape, and nothing is written", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id);
    const res = await call(
      "/api/v1/form_responses",
      json(live.key, { form_response: { domain_id: domain.id, form_data: { phone: "+14155550100", note: "\ud800" } } }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "form_response.form_data.note contains a lone UTF-16 surrogate" });
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("an Idempotency-Key belongs to the request's agent too", () => {
  it("the same key and body for another agent is a different request (422), not a replay", async () => {
    const { workspace, live } = await tenant();
    const a = await makeAgent(workspace.id);
    const b = await makeAgent(workspace.id);
    const send = (agent: string) =>
      call("/v1/make-call", { method: "POST", headers: { "Content-Type": "application/json", "X-API-Key": live.key, "X-Agent-ID": agent, "Idempotency-Key": "k1" }, body: JSON.stringify({ phone: "+14155550126" }) });
    expect((await send(a.id)).status).toBe(200);
    const again = await send(b.id);
    expect(again.status).toBe(422);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("another workspace's domain with a national number", () => {
  it("is a 404 for the domain, not a phone error", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const domain = await makeDomain(theirs.workspace.id, "live", { defaultCountry: "US" });
    const res = await call("/api/v1/form_responses", json(mine.live.key, { form_response: { domain_id: domain.id, form_data: { phone: "(415) 555-0100" } } }));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: `No domain ${domain.id}` });
    expect(await countWritten(mine.workspace.id)).toBe(0);
  });
});
