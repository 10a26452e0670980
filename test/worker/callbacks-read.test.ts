import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callbacks } from "../../db/schema/index.ts";
import { Callback, CallbackList } from "../../schemas/callbacks.ts";
import { encodeCursor } from "../../schemas/common.ts";
import { idAt, newId } from "../../schemas/ids.ts";
import { db, makeKey, tenant } from "./fixtures.ts";
import { createCallback, expectProblem, get, invalidQuery, post, problem, walk } from "./native-helpers.ts";

const phone = (i: number) => `+1415555${String(1000 + i).padStart(4, "0")}`;

/**
 * `count` more callbacks like `model`, newer than it, written in one statement: a list's tests
 * need many rows, not many requests (26 POSTs took over 5 s on a busy two-core machine).
 */
async function copiesOf(model: Callback, count: number): Promise<string[]> {
  const [row] = await db().select().from(callbacks).where(eq(callbacks.id, model.id));
  if (!row) throw new Error(`no callback ${model.id}`);
  const ids = Array.from({ length: count }, () => newId("callback"));
  await db().insert(callbacks).values(ids.map((id) => ({ ...row, id })));
  return ids;
}

describe("GET /v1/callbacks/:id", () => {
  it("answers the callback as it was created", async () => {
    const { live } = await tenant();
    const created = await createCallback(live.key, { phone: phone(1), metadata: { ref: "x" } });
    const res = await get(`/v1/callbacks/${created.id}`, live.key);
    expect(res.status).toBe(200);
    expect(Callback.parse(await res.json())).toEqual(created);
  });

  it("404s another workspace's callback, a live callback for a test key, and a malformed id", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const theirCallback = await createCallback(theirs.live.key, { phone: phone(1) });
    const myLive = await createCallback(mine.live.key, { phone: phone(2) });
    await expectProblem(await get(`/v1/callbacks/${theirCallback.id}`, mine.live.key), problem("not_found", `No callback ${theirCallback.id}`));
    await expectProblem(await get(`/v1/callbacks/${myLive.id}`, mine.test.key), problem("not_found", `No callback ${myLive.id}`));
    await expectProblem(await get("/v1/callbacks/cb_nope", mine.live.key), problem("not_found", "No callback cb_nope"));
  });

  it("needs callbacks:read (403)", async () => {
    const { workspace, live } = await tenant();
    const created = await createCallback(live.key, { phone: phone(1) });
    const writeOnly = await makeKey(workspace.id, { scopes: ["callbacks:write"] });
    await expectProblem(await get(`/v1/callbacks/${created.id}`, writeOnly.key), problem("forbidden", "This key lacks the callbacks:read scope"));
    await expectProblem(await get("/v1/callbacks", writeOnly.key), problem("forbidden", "This key lacks the callbacks:read scope"));
  });
});

// Each test makes up to a dozen round trips through the Worker to the database: on a busy machine
// that can take seconds, and the 5 s default would fail the machine rather than the code.
describe("GET /v1/callbacks", { timeout: 15_000 }, () => {
  it("walks every page, newest first, without duplicates or gaps", async () => {
    const { live } = await tenant();
    const first = await createCallback(live.key, { phone: phone(0) });
    const created = [first.id, ...(await copiesOf(first, 6))];
    const { items, sizes } = await walk<Callback>("/v1/callbacks", live.key, 3);
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((c) => c.id)).toEqual(created.reverse());
    for (const item of items) Callback.parse(item);
  });

  it("answers an empty page, and a default limit of 25", async () => {
    const { live } = await tenant();
    const empty = CallbackList.parse(await (await get("/v1/callbacks", live.key)).json());
    expect(empty).toEqual({ data: [], has_more: false, next_cursor: null });
    const oldest = await createCallback(live.key, { phone: phone(0) });
    const newer = await copiesOf(oldest, 25);
    const first = CallbackList.parse(await (await get("/v1/callbacks", live.key)).json());
    expect(first.data.map((c) => c.id)).toEqual(newer.reverse());
    expect(first.has_more).toBe(true);
  });

  it("filters by status, lead, phone and creation time", async () => {
    const { live } = await tenant();
    const a = await createCallback(live.key, { phone: phone(1) });
    const b = await createCallback(live.key, { phone: phone(2) });
    const c = await createCallback(live.key, { phone: phone(1), metadata: { second: true } });
    expect((await post(`/v1/callbacks/${b.id}/cancel`, live.key)).status).toBe(200);

    const ids = async (query: string) => CallbackList.parse(await (await get(`/v1/callbacks?${query}`, live.key)).json()).data.map((x) => x.id);
    expect(await ids("status=canceled")).toEqual([b.id]);
    expect(await ids("status=scheduled")).toEqual([c.id, a.id]);
    expect(await ids(`lead_id=${a.lead_id}`)).toEqual([c.id, a.id]);
    // A phone in any international spelling is matched by its E.164 form.
    expect(await ids(`phone=${encodeURIComponent("+1 (415) 555-1002")}`)).toEqual([b.id]);
    expect(await ids(`phone=${encodeURIComponent(phone(1))}&status=scheduled`)).toEqual([c.id, a.id]);
    const after = new Date(Date.parse(a.created_at) - 1000).toISOString();
    expect(await ids(`created_after=${after}`)).toEqual([c.id, b.id, a.id]);
    expect(await ids(`created_before=${encodeURIComponent("2000-01-01T00:00:00+01:00")}`)).toEqual([]);
    expect(await ids(`created_after=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
  });

  it("keeps workspaces and modes apart", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const myLive = await createCallback(mine.live.key, { phone: phone(1) });
    const myTest = await createCallback(mine.test.key, { phone: phone(1) });
    await createCallback(theirs.live.key, { phone: phone(1) });
    const list = async (key: string) => CallbackList.parse(await (await get("/v1/callbacks", key)).json()).data.map((x) => x.id);
    expect(await list(mine.live.key)).toEqual([myLive.id]);
    expect(await list(mine.test.key)).toEqual([myTest.id]);
    // The phone is looked up among the caller's own leads only.
    const byPhone = async (key: string) => CallbackList.parse(await (await get(`/v1/callbacks?phone=${encodeURIComponent(phone(1))}`, key)).json()).data.map((x) => x.id);
    expect(await byPhone(mine.live.key)).toEqual([myLive.id]);
    expect(await byPhone(mine.test.key)).toEqual([myTest.id]);
    expect(await byPhone((await tenant()).live.key)).toEqual([]);
  });

  // The bounds are read as id ranges (db/queries/created.ts), but an id is made on the Worker's
  // clock and created_at on the database's: rows whose two times differ by seconds are still
  // answered by created_at, the time the caller is shown.
  it("bounds creation time by created_at exactly, though ids are made on another clock", async () => {
    const { live } = await tenant();
    const a = await createCallback(live.key, { phone: phone(1) });
    const [row] = await db().select().from(callbacks).where(eq(callbacks.id, a.id));
    if (!row) throw new Error("no row");
    const base = Date.now() - 3_600_000;
    const early = newId("callback", base - 20_000); // made 20 s before, written just after base
    const late = newId("callback", base + 20_000); // made 20 s after, written just before base
    await db().insert(callbacks).values([
      { ...row, id: early, createdAt: new Date(base + 1_000) },
      { ...row, id: late, createdAt: new Date(base - 1_000) },
    ]);
    const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    const ids = async (query: string) => CallbackList.parse(await (await get(`/v1/callbacks?${query}`, live.key)).json()).data.map((x) => x.id);
    expect(await ids(`created_after=${at(base)}`)).toEqual([a.id, early]);
    expect(await ids(`created_before=${at(base)}`)).toEqual([late]);
    expect(await ids(`created_after=${at(base - 2_000)}&created_before=${at(base + 2_000)}`)).toEqual([late, early]);
    expect(await ids(`created_before=${at(base - 2_000)}`)).toEqual([]);
    expect(await ids(`created_after=${at(base + 2_000)}`)).toEqual([a.id]);
    // Paged, the bounds hold on every page.
    expect(await ids(`created_after=${at(base - 2_000)}&limit=1&cursor=${encodeCursor(late)}`)).toEqual([early]);
  });
});

describe("idAt", () => {
  it("brackets every id made in its millisecond, and orders milliseconds", () => {
    const t = Date.UTC(2026, 0, 1, 12, 0, 0, 123);
    for (let i = 0; i < 50; i++) {
      const id = newId("callback", t);
      expect(idAt("callback", t, "first") <= id && id <= idAt("callback", t, "last")).toBe(true);
    }
    expect(idAt("callback", t, "last") < idAt("callback", t + 1, "first")).toBe(true);
    expect(idAt("callback", t, "first")).toMatch(/^cb_[0-9a-hjkmnp-tv-z]{10}0{16}$/);
    // Out of range times are clamped rather than wrapped.
    expect(idAt("callback", -5, "first")).toBe(`cb_${"0".repeat(26)}`);
  });
});

describe("GET /v1/callbacks, bad queries", { timeout: 15_000 }, () => {

  const badQueries: [string, string, [string, string][]][] = [
    ["limit 0", "limit=0", [["limit", "Too small: expected number to be >=1"]]],
    ["limit 101", "limit=101", [["limit", "Too big: expected number to be <=100"]]],
    ["limit not a number", "limit=ten", [["limit", "Invalid input: expected number, received NaN"]]],
    ["an unknown status", "status=lost", [["status", 'Invalid option: expected one of "scheduled"|"dialing"|"connected"|"completed"|"retry_scheduled"|"exhausted"|"canceled"|"blocked"']]],
    ["a cursor that is not one", "cursor=abc", [["cursor", "is not a cursor from this list"]]],
    ["a lead's cursor", `cursor=${encodeCursor("lead_01jd3k0000000000000000000a")}`, [["cursor", "is not a cursor from this list"]]],
    ["a national phone", "phone=4155550100", [["phone", "is not an international phone number, e.g. +14155550100"]]],
    ["a date without offset", "created_after=2026-01-01T00:00:00", [["created_after", "must be ISO 8601 with seconds and an offset or Z: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS±HH:MM"]]],
    ["an unknown parameter", "stauts=canceled", [["stauts", "is not a known field"]]],
    [
      "every bad parameter at once",
      "limit=500&status=x&phone=12&created_after=yesterday&created_before=2026-13-01T00:00:00Z&cursor=zz",
      [
        ["limit", "Too big: expected number to be <=100"],
        ["cursor", "is not a cursor from this list"],
        ["status", 'Invalid option: expected one of "scheduled"|"dialing"|"connected"|"completed"|"retry_scheduled"|"exhausted"|"canceled"|"blocked"'],
        ["phone", "is not an international phone number, e.g. +14155550100"],
        ["created_after", "must be ISO 8601 with seconds and an offset or Z: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS±HH:MM"],
        ["created_before", "must be ISO 8601 with seconds and an offset or Z: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS±HH:MM"],
      ],
    ],
  ];

  it.each(badQueries)("422 for %s", async (_name, query, errors) => {
    const { live } = await tenant();
    await expectProblem(await get(`/v1/callbacks?${query}`, live.key), invalidQuery(...errors));
  });
});
