import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { dncNumbers } from "../../db/schema/index.ts";
import { DncEntry, DncList } from "../../schemas/dnc.ts";
import { encodeCursor } from "../../schemas/common.ts";
import { call, db, makeKey, tenant } from "./fixtures.ts";
import { expectProblem, get, invalidBody, invalidQuery, post, problem } from "./native-helpers.ts";

const path = "/v1/dnc";
const phoneMessage = "is not a phone number: use international form (+14155550100), or national form with country";
const paramMessage = "must be the number in E.164, with or without its +: %2B14155550100 or 14155550100";
const phone = (i: number) => `+1415555${String(1000 + i).padStart(4, "0")}`;

const remove = (phonePath: string, key: string) => call(`${path}/${phonePath}`, { method: "DELETE", headers: { Authorization: `Bearer ${key}` } });

/** The workspace's rows in dnc_numbers, both modes, in phone order. */
const rowsOf = (workspaceId: string) =>
  db().select().from(dncNumbers).where(eq(dncNumbers.workspaceId, workspaceId)).orderBy(asc(dncNumbers.mode), asc(dncNumbers.phone));

async function add(key: string, body: Record<string, unknown>, status = 201): Promise<DncEntry> {
  const res = await post(path, key, body);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(status);
  return DncEntry.parse(await res.json());
}

async function listed(query: string, key: string) {
  const res = await get(`${path}${query ? `?${query}` : ""}`, key);
  expect(res.status).toBe(200);
  return DncList.parse(await res.json());
}

describe("POST /v1/dnc", () => {
  it("adds an international number: 201 with the entry", async () => {
    const { workspace, live } = await tenant();
    const before = Date.now();
    const res = await post(path, live.key, { phone: "+1 (415) 555-0100", reason: "asked not to be called" });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    const body = await res.json();
    expect(Object.keys(body as object).sort()).toEqual(["created_at", "phone", "reason"]);
    const entry = DncEntry.parse(body);
    expect(entry).toMatchObject({ phone: "+14155550100", reason: "asked not to be called" });
    expect(entry.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(entry.created_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    const rows = await rowsOf(workspace.id);
    expect(rows.map((r) => [r.mode, r.phone, r.reason])).toEqual([["live", "+14155550100", "asked not to be called"]]);
  });

  it("reads a national number in country (UK means GB); no reason is null", async () => {
    const { live } = await tenant();
    expect(await add(live.key, { phone: "(415) 555-0100", country: "US" })).toMatchObject({ phone: "+14155550100", reason: null });
    expect(await add(live.key, { phone: "020 7946 0018", country: "uk", reason: null })).toMatchObject({ phone: "+442079460018", reason: null });
    // An international number is read as such whatever the country.
    expect((await add(live.key, { phone: "+33 1 23 45 67 89", country: "US" })).phone).toBe("+33123456789");
  });

  it("answers 200 with the entry as it is when the number is already on the list", async () => {
    const { workspace, live } = await tenant();
    const first = await add(live.key, { phone: "+14155550100", reason: "complaint" });
    const again = await add(live.key, { phone: "415-555-0100", country: "US", reason: "another reason" }, 200);
    expect(again).toEqual(first);
    expect((await rowsOf(workspace.id)).map((r) => r.reason)).toEqual(["complaint"]);
  });

  it("replays the response for the same Idempotency-Key, and refuses the key with another body", async () => {
    const { workspace, live } = await tenant();
    const headers = { "Idempotency-Key": "dnc-1" };
    const a = await post(path, live.key, { phone: "+14155550100" }, headers);
    const b = await post(path, live.key, { phone: "+14155550100" }, headers);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await b.json()).toEqual(await a.json());
    await expectProblem(
      await post(path, live.key, { phone: "+14155550101" }, headers),
      problem("validation_failed", "This Idempotency-Key was used with a different request"),
    );
    expect((await rowsOf(workspace.id)).map((r) => r.phone)).toEqual(["+14155550100"]);
  });

  it("counts against the workspace's hourly limit (429), writing nothing", async () => {
    const { workspace, live } = await tenant("Tight", { requestsPerHour: 1 });
    await add(live.key, { phone: phone(1) });
    const res = await post(path, live.key, { phone: phone(2) });
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^Rate limit exceeded; try again in \d+ s$/);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await rowsOf(workspace.id)).map((r) => r.phone)).toEqual([phone(1)]);
  });
});

describe("POST /v1/dnc: bad input gets the exact problem and writes nothing", () => {
  type Case = [string, RequestInit | Record<string, unknown>, ReturnType<typeof problem>];
  const cases: Case[] = [
    ["malformed JSON", { body: '{"phone": ' }, problem("bad_request", "The request body is not valid JSON")],
    ["a form-encoded body", { body: "phone=%2B14155550100", headers: { "Content-Type": "application/x-www-form-urlencoded" } }, problem("unsupported_media_type", "Content-Type must be application/json")],
    ["a __proto__ key", { body: '{"phone":"+14155550100","__proto__":{"x":1}}' }, problem("bad_request", "__proto__ is not an allowed key")],
    ["a control character", { phone: "+14155550100", reason: "bad\u0007bell" }, problem("bad_request", "reason contains a control character")],
    ["a body over 64 KB", { phone: "+14155550100", reason: "x".repeat(70_000) }, problem("payload_too_large", "The request body is larger than 64 KB")],
    ["a malformed Idempotency-Key", { body: '{"phone":"+14155550100"}', headers: { "Idempotency-Key": "two words" } }, problem("bad_request", "Idempotency-Key must be 1 to 255 visible ASCII characters")],
    ["a body that is not an object", { body: '["+14155550100"]' }, invalidBody(["", "Invalid input: expected object, received array"])],
    ["a null body", { body: "null" }, invalidBody(["", "Invalid input: expected object, received null"])],
    ["no phone", { reason: "x" }, invalidBody(["phone", "is required"])],
    ["an empty phone", { phone: "" }, invalidBody(["phone", "Too small: expected string to have >=1 characters"])],
    ["a phone that is a number", { phone: 14155550100 }, invalidBody(["phone", "Invalid input: expected string, received number"])],
    ["a national number without country", { phone: "4155550100" }, invalidBody(["phone", phoneMessage])],
    ["international digits without their +", { phone: "14155550100" }, invalidBody(["phone", phoneMessage])],
    ["a number too short to be one", { phone: "+12" }, invalidBody(["phone", phoneMessage])],
    ["a national number too short for its country", { phone: "555", country: "US" }, invalidBody(["phone", phoneMessage])],
    ["a three-letter country", { phone: "4155550100", country: "USA" }, invalidBody(["country", "must be a two-letter country code"])],
    ["an unknown country", { phone: "4155550100", country: "ZZ" }, invalidBody(["country", "is not a known country code"])],
    ["an empty reason", { phone: "+14155550100", reason: "" }, invalidBody(["reason", "Too small: expected string to have >=1 characters"])],
    ["a reason over 500 characters", { phone: "+14155550100", reason: "x".repeat(501) }, invalidBody(["reason", "Too big: expected string to have <=500 characters"])],
    ["an unknown key", { phone: "+14155550100", lead_id: "lead_x" }, invalidBody(["lead_id", "is not a known field"])],
    [
      "everything wrong at once",
      { phone: "4155550100", reason: 5, source: "crm" },
      invalidBody(["reason", "Invalid input: expected string, received number"], ["source", "is not a known field"], ["phone", phoneMessage]),
    ],
  ];

  it.each(cases)("%s", async (_name, input, expected) => {
    const { workspace, live } = await tenant();
    const init = "body" in input && typeof input.body === "string" ? (input as RequestInit) : { body: JSON.stringify(input) };
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${live.key}`, ...(init.headers as Record<string, string>) };
    await expectProblem(await call(path, { method: "POST", ...init, headers }), expected);
    expect(await rowsOf(workspace.id)).toEqual([]);
  });
});

describe("DELETE /v1/dnc/:phone", () => {
  it.each([
    ["the + percent-encoded", "%2B14155550100"],
    ["the + as is", "+14155550100"],
    ["no +", "14155550100"],
  ])("removes the number named with %s: 204, then 404", async (_name, phonePath) => {
    const { workspace, live } = await tenant();
    await add(live.key, { phone: "+14155550100" });
    await add(live.key, { phone: phone(1) });
    const res = await remove(phonePath, live.key);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect((await rowsOf(workspace.id)).map((r) => r.phone)).toEqual([phone(1)]);
    await expectProblem(await remove(phonePath, live.key), problem("not_found", "+14155550100 is not on the do-not-call list"));
  });

  it("finds the number in its canonical form", async () => {
    const { workspace, live } = await tenant();
    await add(live.key, { phone: "020 7946 0018", country: "GB" });
    // +44 0 20… is how some write a UK number; E.164 drops the 0, as the add did.
    expect((await remove("4402079460018", live.key)).status).toBe(204);
    expect(await rowsOf(workspace.id)).toEqual([]);
  });

  it("404s a number that is not on the list, or cannot be", async () => {
    const { live } = await tenant();
    await add(live.key, { phone: phone(1) });
    await expectProblem(await remove("%2B14155550199", live.key), problem("not_found", "+14155550199 is not on the do-not-call list"));
    await expectProblem(await remove("0000", live.key), problem("not_found", "+0000 is not on the do-not-call list"));
  });

  it.each([
    ["spaces", "%2B1%20415%20555%200100"],
    ["a national number in brackets", "(415)5550100"],
    ["letters", "abc"],
    ["a double +", "%2B%2B14155550100"],
    ["too many digits", "1".repeat(21)],
  ])("422s a path with %s, removing nothing", async (_name, phonePath) => {
    const { workspace, live } = await tenant();
    await add(live.key, { phone: "+14155550100" });
    await expectProblem(await remove(phonePath, live.key), problem("validation_failed", "The request param is not valid", [{ path: "phone", message: paramMessage }]));
    expect(await rowsOf(workspace.id)).toHaveLength(1);
  });
});

describe("GET /v1/dnc", () => {
  it("walks every page in phone order, without duplicates or gaps", async () => {
    const { live } = await tenant();
    const phones = [phone(4), phone(1), "+442079460018", phone(3), phone(0)];
    for (const p of phones) await add(live.key, { phone: p });
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: DncList = await listed(`limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, live.key);
      expect(page.next_cursor === null).toBe(!page.has_more);
      seen.push(...page.data.map((e) => e.phone));
      sizes.push(page.data.length);
      cursor = page.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...phones].sort());
  });

  it("answers 25 by default, and the last page has no cursor", async () => {
    const { live } = await tenant();
    expect(await listed("", live.key)).toEqual({ data: [], has_more: false, next_cursor: null });
    for (let i = 0; i < 26; i++) await add(live.key, { phone: phone(i) });
    const first = await listed("", live.key);
    expect([first.data.length, first.has_more]).toEqual([25, true]);
    const last = await listed(`cursor=${first.next_cursor}`, live.key);
    expect(last).toEqual({ data: [expect.objectContaining({ phone: phone(25) })], has_more: false, next_cursor: null });
  });

  it("filters by phone, matched as E.164", async () => {
    const { live } = await tenant();
    await add(live.key, { phone: phone(1), reason: "one" });
    await add(live.key, { phone: phone(2) });
    const phones = async (query: string) => (await listed(query, live.key)).data.map((e) => [e.phone, e.reason]);
    expect(await phones(`phone=${encodeURIComponent("+1 415-555-1001")}`)).toEqual([[phone(1), "one"]]);
    expect(await phones("phone=%2B14155551002")).toEqual([[phone(2), null]]);
    expect(await phones("phone=%2B14155551009")).toEqual([]);
  });

  const badQueries: [string, string, [string, string][]][] = [
    ["limit 0", "limit=0", [["limit", "Too small: expected number to be >=1"]]],
    ["limit 101", "limit=101", [["limit", "Too big: expected number to be <=100"]]],
    ["a lead list's cursor", `cursor=${encodeCursor("lead_01jd3k0000000000000000000a")}`, [["cursor", "is not a cursor from this list"]]],
    ["a national phone", "phone=4155550100", [["phone", "is not an international phone number, e.g. +14155550100"]]],
    ["an unknown parameter", "reason=x", [["reason", "is not a known field"]]],
    [
      "every bad parameter at once",
      "limit=x&cursor=%%%&phone=abc&mode=live",
      [
        ["limit", "Invalid input: expected number, received NaN"],
        ["cursor", "is not a cursor from this list"],
        ["phone", "is not an international phone number, e.g. +14155550100"],
        ["mode", "is not a known field"],
      ],
    ],
  ];

  it.each(badQueries)("422 for %s", async (_name, query, errors) => {
    const { live } = await tenant();
    await expectProblem(await get(`${path}?${query}`, live.key), invalidQuery(...errors));
  });
});

describe("keys and scopes", () => {
  it("needs dnc:write to add or remove and dnc:read to list (403), and a secret key", async () => {
    const { workspace, live } = await tenant();
    await add(live.key, { phone: phone(1) });
    const reader = await makeKey(workspace.id, { scopes: ["dnc:read", "leads:write", "callbacks:write"] });
    const writer = await makeKey(workspace.id, { scopes: ["dnc:write"] });
    const pk = await makeKey(workspace.id, { kind: "publishable" });
    const noWrite = problem("forbidden", "This key lacks the dnc:write scope");
    await expectProblem(await post(path, reader.key, { phone: phone(2) }), noWrite);
    await expectProblem(await remove(encodeURIComponent(phone(1)), reader.key), noWrite);
    await expectProblem(await get(path, writer.key), problem("forbidden", "This key lacks the dnc:read scope"));
    const publishable = problem("forbidden", "A publishable key cannot call this endpoint");
    await expectProblem(await post(path, pk.key, { phone: phone(2) }), publishable);
    await expectProblem(await remove(encodeURIComponent(phone(1)), pk.key), publishable);
    await expectProblem(await get(path, pk.key), publishable);
    await expectProblem(await post(path, "rb_live_0123456789abcdefghijklmnopqrstuv", { phone: phone(2) }), problem("unauthorized", "The API key is not valid"));
    await expectProblem(await call(path), problem("unauthorized", "An API key is required"));
    expect((await rowsOf(workspace.id)).map((r) => r.phone)).toEqual([phone(1)]);
    // The reader lists; the writer adds and removes.
    expect((await listed("", reader.key)).data.map((e) => e.phone)).toEqual([phone(1)]);
    await add(writer.key, { phone: phone(2) });
    expect((await remove(encodeURIComponent(phone(1)), writer.key)).status).toBe(204);
  });
});

describe("workspaces and modes", () => {
  it("keeps each workspace's list to itself", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const entry = await add(mine.live.key, { phone: phone(1), reason: "mine" });
    expect((await listed("", theirs.live.key)).data).toEqual([]);
    await expectProblem(await remove(encodeURIComponent(phone(1)), theirs.live.key), problem("not_found", `${phone(1)} is not on the do-not-call list`));
    // Their own entry for the same number is new to them, and leaves mine as it was.
    expect(await add(theirs.live.key, { phone: phone(1), reason: "theirs" })).toMatchObject({ phone: phone(1), reason: "theirs" });
    expect((await listed("", mine.live.key)).data).toEqual([entry]);
  });

  it("keeps test entries and live entries apart", async () => {
    const { workspace, live, test } = await tenant();
    await add(live.key, { phone: phone(1), reason: "live" });
    expect((await listed("", test.key)).data).toEqual([]);
    await expectProblem(await remove(encodeURIComponent(phone(1)), test.key), problem("not_found", `${phone(1)} is not on the do-not-call list`));
    expect(await add(test.key, { phone: phone(1), reason: "test" })).toMatchObject({ reason: "test" });
    expect((await rowsOf(workspace.id)).map((r) => [r.mode, r.reason])).toEqual([
      ["live", "live"],
      ["test", "test"],
    ]);
    expect((await remove(encodeURIComponent(phone(1)), test.key)).status).toBe(204);
    expect((await listed("", live.key)).data.map((e) => e.reason)).toEqual(["live"]);
  });
});

describe("GET /openapi.json", () => {
  it("documents the three routes with the DncEntry schema", async () => {
    type Schema = { $ref?: string };
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
      components: { schemas: Record<string, { properties: object }> };
    };
    expect(Object.keys(doc.paths[path] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths[`${path}/{phone}`] ?? {})).toEqual(["delete"]);
    const created = doc.paths[path]!.post!.responses["201"]!.content!["application/json"]!.schema;
    expect(created.$ref).toBe("#/components/schemas/DncEntry");
    expect(Object.keys(doc.components.schemas.DncEntry!.properties).sort()).toEqual(["created_at", "phone", "reason"]);
  });
});
