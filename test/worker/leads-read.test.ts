import { describe, expect, it } from "vitest";
import { Lead, LeadList } from "../../schemas/leads.ts";
import { encodeCursor } from "../../schemas/common.ts";
import { makeDomain, makeKey, tenant } from "./fixtures.ts";
import { createCallback, expectProblem, get, invalidQuery, problem, walk } from "./native-helpers.ts";

const phone = (i: number) => `+1415555${String(1000 + i).padStart(4, "0")}`;
const leadOf = async (key: string, body: Record<string, unknown>) => (await createCallback(key, body)).lead_id;

describe("GET /v1/leads/:id", () => {
  it("answers the lead", async () => {
    const { live, workspace } = await tenant();
    const domain = await makeDomain(workspace.id, "live", { defaultCountry: "US" });
    const id = await leadOf(live.key, { phone: "(415) 555-0199", name: "Ann", email: "ann@example.com", timezone: "Europe/Paris", domain_id: domain.id });
    const res = await get(`/v1/leads/${id}`, live.key);
    expect(res.status).toBe(200);
    const lead = Lead.parse(await res.json());
    expect(lead).toMatchObject({
      id,
      phone: "+14155550199",
      phone_raw: "(415) 555-0199",
      phone_2: null,
      name: "Ann",
      email: "ann@example.com",
      country: "US",
      timezone: "Europe/Paris",
      domain_id: domain.id,
      custom_fields: {},
      opted_out: false,
      mode: "live",
    });
  });

  it("404s another workspace's lead, a live lead for a test key, and a malformed id", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const theirLead = await leadOf(theirs.live.key, { phone: phone(1) });
    const myLive = await leadOf(mine.live.key, { phone: phone(1) });
    await expectProblem(await get(`/v1/leads/${theirLead}`, mine.live.key), problem("not_found", `No lead ${theirLead}`));
    await expectProblem(await get(`/v1/leads/${myLive}`, mine.test.key), problem("not_found", `No lead ${myLive}`));
    await expectProblem(await get("/v1/leads/lead_x", mine.live.key), problem("not_found", "No lead lead_x"));
  });

  it("needs leads:read (403)", async () => {
    const { workspace, live } = await tenant();
    const id = await leadOf(live.key, { phone: phone(1) });
    const key = await makeKey(workspace.id, { scopes: ["callbacks:read", "leads:write"] });
    await expectProblem(await get(`/v1/leads/${id}`, key.key), problem("forbidden", "This key lacks the leads:read scope"));
    await expectProblem(await get("/v1/leads", key.key), problem("forbidden", "This key lacks the leads:read scope"));
  });
});

describe("GET /v1/leads", () => {
  it("walks every page, newest first, without duplicates or gaps", async () => {
    const { live } = await tenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await leadOf(live.key, { phone: phone(i) }));
    // A second callback to a phone updates its lead; it adds no lead.
    await createCallback(live.key, { phone: phone(0), metadata: { again: true } });
    const { items, sizes } = await walk<Lead>("/v1/leads", live.key, 2);
    expect(sizes).toEqual([2, 2, 1]);
    expect(items.map((l) => l.id)).toEqual(ids.reverse());
    for (const item of items) Lead.parse(item);
  });

  it("filters by phone, email and domain, and keeps workspaces and modes apart", async () => {
    const { live, test, workspace } = await tenant();
    const other = await tenant();
    const domain = await makeDomain(workspace.id);
    const a = await leadOf(live.key, { phone: phone(1), email: "Ann@Example.com", domain_id: domain.id });
    const b = await leadOf(live.key, { phone: phone(2), email: "bob@example.com" });
    const t = await leadOf(test.key, { phone: phone(1) });
    await leadOf(other.live.key, { phone: phone(1), email: "ann@example.com" });

    const ids = async (query: string, key = live.key) => LeadList.parse(await (await get(`/v1/leads?${query}`, key)).json()).data.map((x) => x.id);
    expect(await ids("")).toEqual([b, a]);
    expect(await ids("", test.key)).toEqual([t]);
    expect(await ids(`phone=${encodeURIComponent("+1 415-555-1001")}`)).toEqual([a]);
    expect(await ids("email=ann@example.com")).toEqual([a]);
    expect(await ids(`domain_id=${domain.id}`)).toEqual([a]);
    expect(await ids(`domain_id=${domain.id}&email=bob@example.com`)).toEqual([]);
  });

  const badQueries: [string, string, [string, string][]][] = [
    ["limit 0", "limit=0", [["limit", "Too small: expected number to be >=1"]]],
    ["a callback's cursor", `cursor=${encodeCursor("cb_01jd3k0000000000000000000a")}`, [["cursor", "is not a cursor from this list"]]],
    ["an email that is not one", "email=ann", [["email", "Invalid email address"]]],
    ["an unknown parameter", "nickname=Ann", [["nickname", "is not a known field"]]],
    [
      "every bad parameter at once",
      "limit=0.5&cursor=%%%&phone=abc&email=x&status=scheduled",
      [
        ["limit", "Invalid input: expected int, received number"],
        ["cursor", "is not a cursor from this list"],
        ["phone", "is not an international phone number, e.g. +14155550100"],
        ["email", "Invalid email address"],
        ["status", "is not a known field"],
      ],
    ],
  ];

  it.each(badQueries)("422 for %s", async (_name, query, errors) => {
    const { live } = await tenant();
    await expectProblem(await get(`/v1/leads?${query}`, live.key), invalidQuery(...errors));
  });
});
