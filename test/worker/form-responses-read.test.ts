import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { formResponses } from "../../db/schema/index.ts";
import { CallbackList } from "../../schemas/callbacks.ts";
import { FormResponseCreated } from "../../schemas/callmeback.ts";
import { encodeCursor } from "../../schemas/common.ts";
import { StoredFormResponse, StoredFormResponseList } from "../../schemas/form-responses.ts";
import { newId } from "../../schemas/ids.ts";
import { call, db, json, makeDomain, makeKey, tenant } from "./fixtures.ts";
import { expectProblem, get, invalidQuery, problem, walk } from "./native-helpers.ts";

const phone = (i: number) => `+1415555${String(3000 + i).padStart(4, "0")}`;

/** A form response sent as CallMeBack's examples send it; the intake's 201 body. */
async function submit(key: string, domainId: string, form: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await call("/api/v1/form_responses", json(key, { form_response: { domain_id: domainId, form_data: form, ...extra } }));
  expect(res.status, await res.clone().text()).toBe(201);
  return FormResponseCreated.parse(await res.json());
}

/** `count` copies of a stored response, newer than it, in one statement (many rows, not many requests). */
async function copiesOf(id: string, count: number): Promise<string[]> {
  const [row] = await db().select().from(formResponses).where(eq(formResponses.id, id));
  if (!row) throw new Error(`no form response ${id}`);
  const ids = Array.from({ length: count }, () => newId("formResponse"));
  await db().insert(formResponses).values(ids.map((copy) => ({ ...row, id: copy })));
  return ids;
}

describe("GET /v1/form_responses/:id", () => {
  it("answers what the intake stored, with its lead and the callback it scheduled", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id);
    const created = await submit(
      live.key,
      domain.id,
      { name: "Ada", phone: phone(1), message: "Call me", budget: "10k" },
      { form_type: "contact", source_url: "https://shop.example/contact", user_agent: "Mozilla/5.0", ip_address: "203.0.113.7" },
    );
    expect(created.callback_scheduled).toBe(true);
    const res = await get(`/v1/form_responses/${created.id}`, live.key);
    expect(res.status).toBe(200);
    const stored = StoredFormResponse.parse(await res.json());
    const callbacks = CallbackList.parse(await (await get(`/v1/callbacks?lead_id=${created.lead_id}`, live.key)).json()).data;
    expect(callbacks).toHaveLength(1);
    expect(stored).toEqual({
      id: created.id,
      lead_id: created.lead_id,
      domain_id: domain.id,
      callback_id: callbacks[0]?.id,
      form_type: "contact",
      form_data: { name: "Ada", phone: phone(1), message: "Call me", budget: "10k" },
      source_url: "https://shop.example/contact",
      user_agent: "Mozilla/5.0",
      ip_address: "203.0.113.7",
      mode: "live",
      created_at: created.created_at,
    });
    expect(callbacks[0]?.source_id).toBe(created.id);
  });

  it("says callback_id null where the response scheduled no callback", async () => {
    const { workspace, live } = await tenant();
    const manual = await makeDomain(workspace.id, "live", { autoCallback: false });
    const created = await submit(live.key, manual.id, { phone: phone(2) });
    expect(created.callback_scheduled).toBe(false);
    const stored = StoredFormResponse.parse(await (await get(`/v1/form_responses/${created.id}`, live.key)).json());
    expect(stored).toMatchObject({ id: created.id, callback_id: null, form_type: null, source_url: null, user_agent: null, ip_address: null });
  });

  it("404s another workspace's response, a live one for a test key, and a malformed id", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const theirDomain = await makeDomain(theirs.workspace.id);
    const myDomain = await makeDomain(mine.workspace.id);
    const theirResponse = await submit(theirs.live.key, theirDomain.id, { phone: phone(3) });
    const myLive = await submit(mine.live.key, myDomain.id, { phone: phone(3) });
    await expectProblem(await get(`/v1/form_responses/${theirResponse.id}`, mine.live.key), problem("not_found", `No form response ${theirResponse.id}`));
    await expectProblem(await get(`/v1/form_responses/${myLive.id}`, mine.test.key), problem("not_found", `No form response ${myLive.id}`));
    await expectProblem(await get("/v1/form_responses/fr_nope", mine.live.key), problem("not_found", "No form response fr_nope"));
    await expectProblem(await get(`/v1/form_responses/${myLive.lead_id}`, mine.live.key), problem("not_found", `No form response ${myLive.lead_id}`));
  });

  it("needs leads:read (403)", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id);
    const created = await submit(live.key, domain.id, { phone: phone(4) });
    const narrow = await makeKey(workspace.id, { scopes: ["callbacks:read", "intake:write"] });
    await expectProblem(await get(`/v1/form_responses/${created.id}`, narrow.key), problem("forbidden", "This key lacks the leads:read scope"));
    await expectProblem(await get("/v1/form_responses", narrow.key), problem("forbidden", "This key lacks the leads:read scope"));
  });
});

describe("GET /v1/form_responses", { timeout: 15_000 }, () => {
  it("walks every page, newest first, without duplicates or gaps", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id);
    const first = await submit(live.key, domain.id, { phone: phone(5) });
    const created = [first.id, ...(await copiesOf(first.id, 6))];
    const { items, sizes } = await walk<StoredFormResponse>("/v1/form_responses", live.key, 3);
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((r) => r.id)).toEqual(created.reverse());
    for (const item of items) StoredFormResponse.parse(item);
  });

  it("answers an empty page", async () => {
    const { live } = await tenant();
    expect(StoredFormResponseList.parse(await (await get("/v1/form_responses", live.key)).json())).toEqual({ data: [], has_more: false, next_cursor: null });
  });

  it("filters by lead, domain and creation time", async () => {
    const { workspace, live } = await tenant();
    const one = await makeDomain(workspace.id);
    const two = await makeDomain(workspace.id);
    const a = await submit(live.key, one.id, { phone: phone(6) });
    const b = await submit(live.key, two.id, { phone: phone(7) });
    const c = await submit(live.key, two.id, { phone: phone(6), message: "again" });
    const ids = async (query: string) => {
      const res = await get(`/v1/form_responses?${query}`, live.key);
      expect(res.status, await res.clone().text()).toBe(200);
      return StoredFormResponseList.parse(await res.json()).data.map((r) => r.id);
    };
    expect(a.lead_id).toBe(c.lead_id);
    expect(await ids(`lead_id=${a.lead_id}`)).toEqual([c.id, a.id]);
    expect(await ids(`domain_id=${two.id}`)).toEqual([c.id, b.id]);
    expect(await ids(`domain_id=${two.id}&lead_id=${a.lead_id}`)).toEqual([c.id]);
    const before = new Date(Date.parse(a.created_at) - 1000).toISOString();
    expect(await ids(`created_after=${before}`)).toEqual([c.id, b.id, a.id]);
    expect(await ids(`created_before=${encodeURIComponent("2000-01-01T00:00:00+01:00")}`)).toEqual([]);
    expect(await ids(`created_after=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
  });

  // The bounds are read as id ranges (db/queries/created.ts), but created_at decides: a response
  // whose id was made seconds off its created_at (the Worker's clock against the database's) is
  // answered by created_at, the time the caller is shown.
  it("bounds creation time by created_at exactly, though ids are made on another clock", async () => {
    const { workspace, live } = await tenant();
    const domain = await makeDomain(workspace.id);
    const a = await submit(live.key, domain.id, { phone: phone(8) });
    const [row] = await db().select().from(formResponses).where(eq(formResponses.id, a.id));
    if (!row) throw new Error("no row");
    const base = Date.now() - 3_600_000;
    const early = newId("formResponse", base - 20_000);
    const late = newId("formResponse", base + 20_000);
    await db().insert(formResponses).values([
      { ...row, id: early, createdAt: new Date(base + 1_000) },
      { ...row, id: late, createdAt: new Date(base - 1_000) },
    ]);
    const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    const ids = async (query: string) => StoredFormResponseList.parse(await (await get(`/v1/form_responses?${query}`, live.key)).json()).data.map((r) => r.id);
    expect(await ids(`created_after=${at(base)}`)).toEqual([a.id, early]);
    expect(await ids(`created_before=${at(base)}`)).toEqual([late]);
    expect(await ids(`created_after=${at(base - 2_000)}&created_before=${at(base + 2_000)}`)).toEqual([late, early]);
    expect(await ids(`created_before=${at(base - 2_000)}`)).toEqual([]);
  });

  it("keeps workspaces and modes apart", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const liveDomain = await makeDomain(mine.workspace.id);
    const testDomain = await makeDomain(mine.workspace.id, "test");
    const myLive = await submit(mine.live.key, liveDomain.id, { phone: phone(8) });
    const myTest = await submit(mine.test.key, testDomain.id, { phone: phone(8) });
    await submit(theirs.live.key, (await makeDomain(theirs.workspace.id)).id, { phone: phone(8) });
    const list = async (key: string) => StoredFormResponseList.parse(await (await get("/v1/form_responses", key)).json()).data.map((r) => r.id);
    expect(await list(mine.live.key)).toEqual([myLive.id]);
    expect(await list(mine.test.key)).toEqual([myTest.id]);
  });

  const iso = "must be ISO 8601 with seconds and an offset or Z: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS±HH:MM";
  it.each([
    ["limit 0", "limit=0", [["limit", "Too small: expected number to be >=1"]]],
    ["a cursor that is not one", "cursor=abc", [["cursor", "is not a cursor from this list"]]],
    ["a lead's cursor", `cursor=${encodeCursor("lead_01jd3k0000000000000000000a")}`, [["cursor", "is not a cursor from this list"]]],
    ["a date without offset", "created_after=2026-01-01T00:00:00", [["created_after", iso]]],
    ["an unknown parameter", "phone=%2B14155550100", [["phone", "is not a known field"]]],
    [
      "every bad parameter at once",
      "limit=500&created_before=never&cursor=zz",
      [
        ["limit", "Too big: expected number to be <=100"],
        ["cursor", "is not a cursor from this list"],
        ["created_before", iso],
      ],
    ],
  ] as [string, string, [string, string][]][])("422 for %s", async (_name, query, errors) => {
    const { live } = await tenant();
    await expectProblem(await get(`/v1/form_responses?${query}`, live.key), invalidQuery(...errors));
  });

  it.each(["/v1/form_responses?lead_id=%00", "/v1/form_responses?domain_id=a%00b", "/v1/form_responses/fr_%00"])("400 for a NUL: %s", async (path) => {
    const { live } = await tenant();
    const res = await get(path, live.key);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
