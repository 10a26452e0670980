import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callbacks } from "../../db/schema/index.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { parseEnvelope } from "../../schemas/events.ts";
import { db, makeKey, tenant } from "./fixtures.ts";
import { createCallback, expectProblem, get, post, problem } from "./native-helpers.ts";
import { rowsOf } from "./rows.ts";

const cancel = (id: string, key: string, headers: Record<string, string> = {}) => post(`/v1/callbacks/${id}/cancel`, key, undefined, headers);
const setStatus = (id: string, status: typeof callbacks.$inferSelect.status) => db().update(callbacks).set({ status }).where(eq(callbacks.id, id));

describe("POST /v1/callbacks/:id/cancel", () => {
  it("cancels a scheduled callback and writes callback.completed with the final state", async () => {
    const { workspace, live } = await tenant();
    const created = await createCallback(live.key, { phone: "+14155550123", scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
    const res = await cancel(created.id, live.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    const body = Callback.parse(await res.json());
    expect(body).toMatchObject({ id: created.id, status: "canceled", ended_reason: "canceled_by_api", next_attempt_at: null, completed_at: null });
    expect(Date.parse(body.canceled_at!)).toBeGreaterThan(Date.now() - 5000);

    // The event's data, the response and a later GET are one object.
    expect(Callback.parse(await (await get(`/v1/callbacks/${created.id}`, live.key)).json())).toEqual(body);
    const { events } = await rowsOf(workspace.id);
    expect(events.map((e) => e.type)).toEqual(["lead.updated", "callback.scheduled", "callback.completed"]);
    const event = events[2]!;
    expect(event.data).toEqual(body);
    expect(event.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z")).toBe(body.updated_at);
    parseEnvelope({ id: event.id, event: event.type, created_at: event.createdAt.toISOString(), data: event.data });
  });

  it("cancels one waiting for a retry", async () => {
    const { live } = await tenant();
    const created = await createCallback(live.key, { phone: "+14155550123" });
    await setStatus(created.id, "retry_scheduled");
    expect(Callback.parse(await (await cancel(created.id, live.key)).json()).status).toBe("canceled");
  });

  it.each(["dialing", "connected"] as const)("cancels one that is %s (its call is hung up)", async (status) => {
    const { live } = await tenant();
    const created = await createCallback(live.key, { phone: "+14155550123" });
    await setStatus(created.id, status);
    expect(Callback.parse(await (await cancel(created.id, live.key)).json()).status).toBe("canceled");
  });

  it.each(["completed", "exhausted", "blocked"] as const)("refuses a callback that is %s (409), changing nothing", async (status) => {
    const { workspace, live } = await tenant();
    const created = await createCallback(live.key, { phone: "+14155550123" });
    await setStatus(created.id, status);
    const before = await rowsOf(workspace.id);
    await expectProblem(await cancel(created.id, live.key), problem("conflict", `Callback ${created.id} is ${status} and cannot be canceled`));
    const after = await rowsOf(workspace.id);
    expect(after.callbacks).toEqual(before.callbacks);
    expect(after.events).toHaveLength(before.events.length);
  });

  it("refuses a second cancel (409), writing no second event", async () => {
    const { workspace, live } = await tenant();
    const created = await createCallback(live.key, { phone: "+14155550123" });
    expect((await cancel(created.id, live.key)).status).toBe(200);
    await expectProblem(await cancel(created.id, live.key), problem("conflict", `Callback ${created.id} is canceled and cannot be canceled`));
    expect((await rowsOf(workspace.id)).events.filter((e) => e.type === "callback.completed")).toHaveLength(1);
  });

  it("replays the response for the same Idempotency-Key", async () => {
    const { workspace, live } = await tenant();
    const created = await createCallback(live.key, { phone: "+14155550123" });
    const a = await cancel(created.id, live.key, { "Idempotency-Key": "cancel-1" });
    const b = await cancel(created.id, live.key, { "Idempotency-Key": "cancel-1" });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await b.json()).toEqual(await a.json());
    expect((await rowsOf(workspace.id)).events.filter((e) => e.type === "callback.completed")).toHaveLength(1);
  });

  it("404s another workspace's callback, a live one for a test key, and a malformed id, changing nothing", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const theirCallback = await createCallback(theirs.live.key, { phone: "+14155550123" });
    const myLive = await createCallback(mine.live.key, { phone: "+14155550123" });
    await expectProblem(await cancel(theirCallback.id, mine.live.key), problem("not_found", `No callback ${theirCallback.id}`));
    await expectProblem(await cancel(myLive.id, mine.test.key), problem("not_found", `No callback ${myLive.id}`));
    await expectProblem(await cancel("cb_x", mine.live.key), problem("not_found", "No callback cb_x"));
    expect((await rowsOf(theirs.workspace.id)).callbacks[0]?.status).toBe("scheduled");
    expect((await rowsOf(mine.workspace.id)).callbacks[0]?.status).toBe("scheduled");
    expect((await rowsOf(mine.workspace.id)).events.map((e) => e.type)).not.toContain("callback.completed");
  });

  it("needs callbacks:write (403)", async () => {
    const { workspace, live } = await tenant();
    const created = await createCallback(live.key, { phone: "+14155550123" });
    const readOnly = await makeKey(workspace.id, { scopes: ["callbacks:read"] });
    await expectProblem(await cancel(created.id, readOnly.key), problem("forbidden", "This key lacks the callbacks:write scope"));
    expect((await rowsOf(workspace.id)).callbacks[0]?.status).toBe("scheduled");
  });
});
