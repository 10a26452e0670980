import { describe, expect, it } from "vitest";
import { Lead } from "../../schemas/leads.ts";
import { parseEnvelope } from "../../schemas/events.ts";
import { call, makeKey, tenant } from "./fixtures.ts";
import { createCallback, expectProblem, get, invalidBody, patch, problem } from "./native-helpers.ts";
import { rowsOf } from "./rows.ts";

async function withLead() {
  const t = await tenant();
  const { lead_id: id } = await createCallback(t.live.key, { phone: "+14155550123", name: "Ann", email: "ann@example.com" });
  return { ...t, id, path: `/v1/leads/${id}` };
}

const updated = async (res: Response) => {
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
  return Lead.parse(await res.json());
};

describe("PATCH /v1/leads/:id", () => {
  it("changes the fields given, leaves the rest, and writes lead.updated with the lead as GET shows it", async () => {
    const { workspace, live, id, path } = await withLead();
    const before = await rowsOf(workspace.id);
    const lead = await updated(await patch(path, live.key, { name: "Ann B.", phone_2: "+44 20 7946 0018", timezone: "europe/london" }));
    expect(lead).toMatchObject({ id, name: "Ann B.", email: "ann@example.com", phone: "+14155550123", phone_2: "+442079460018", timezone: "Europe/London" });

    const after = await rowsOf(workspace.id);
    expect(after.events).toHaveLength(before.events.length + 1);
    const event = after.events.at(-1)!;
    expect(event.type).toBe("lead.updated");
    const fetched = Lead.parse(await (await get(path, live.key)).json());
    expect(event.data).toEqual(fetched);
    expect(fetched).toEqual(lead);
    parseEnvelope({ id: event.id, event: event.type, created_at: event.createdAt.toISOString(), data: event.data });
  });

  it("clears a field given as null", async () => {
    const { live, path } = await withLead();
    const lead = await updated(await patch(path, live.key, { name: null, email: null }));
    expect(lead).toMatchObject({ name: null, email: null });
  });

  it("merges custom_fields one level deep, removing keys set to null", async () => {
    const { live, path } = await withLead();
    await updated(await patch(path, live.key, { custom_fields: { plan: "pro", seats: 5, address: { city: "Paris", zip: "75001" } } }));
    const lead = await updated(await patch(path, live.key, { custom_fields: { seats: null, address: { city: "Lyon" }, source: "crm", "missing": null } }));
    expect(lead.custom_fields).toEqual({ plan: "pro", address: { city: "Lyon" }, source: "crm" });
  });

  it("records when the lead opted out, keeps that time, and clears it on opting back in", async () => {
    const { workspace, live, path } = await withLead();
    expect((await updated(await patch(path, live.key, { opted_out: true }))).opted_out).toBe(true);
    const first = (await rowsOf(workspace.id)).leads[0]!.optedOutAt;
    expect(first).toBeInstanceOf(Date);
    await updated(await patch(path, live.key, { opted_out: true }));
    expect((await rowsOf(workspace.id)).leads[0]!.optedOutAt).toEqual(first);
    expect((await updated(await patch(path, live.key, { opted_out: false }))).opted_out).toBe(false);
    expect((await rowsOf(workspace.id)).leads[0]!.optedOutAt).toBeNull();
  });

  it("accepts application/merge-patch+json", async () => {
    const { live, path } = await withLead();
    const res = await call(path, { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json", Authorization: `Bearer ${live.key}` }, body: '{"name":"Zed"}' });
    expect((await updated(res)).name).toBe("Zed");
  });
});

describe("bad input: the exact problem, the lead unchanged, no event", () => {
  const cases: [string, string, ReturnType<typeof problem>][] = [
    ["malformed JSON", '{"name": ', problem("bad_request", "The request body is not valid JSON")],
    ["an empty body", "{}", invalidBody(["", "give at least one field to change"])],
    [
      "a new phone",
      '{"phone":"+14155550999"}',
      invalidBody(["phone", "cannot be changed: the phone is the lead's identity; a callback to another number makes another lead"]),
    ],
    ["an unknown key", '{"name":"B","company":"Acme"}', invalidBody(["company", "is not a known field"])],
    ["a time zone that is not one", '{"timezone":"Europe/Atlantis"}', invalidBody(["timezone", "is not an IANA time zone, e.g. America/New_York"])],
    ["opted_out as a string", '{"opted_out":"yes"}', invalidBody(["opted_out", "Invalid input: expected boolean, received string"])],
    ["custom_fields as a list", '{"custom_fields":["a"]}', invalidBody(["custom_fields", "Invalid input: expected record, received array"])],
    [
      "every bad field at once",
      '{"name":"","email":"ann@","phone_2":"0207946 0018","timezone":5,"opted_out":null,"phone":"+1","id":"lead_x"}',
      invalidBody(
        ["name", "Too small: expected string to have >=1 characters"],
        ["email", "Invalid email address"],
        ["phone_2", "is not an international phone number, e.g. +14155550100"],
        ["timezone", "Invalid input: expected string, received number"],
        ["opted_out", "Invalid input: expected boolean, received null"],
        ["phone", "cannot be changed: the phone is the lead's identity; a callback to another number makes another lead"],
        ["id", "is not a known field"],
      ),
    ],
  ];

  it.each(cases)("%s", async (_name, body, expected) => {
    const { workspace, live, path } = await withLead();
    const before = await rowsOf(workspace.id);
    const res = await call(path, { method: "PATCH", headers: { "Content-Type": "application/json", Authorization: `Bearer ${live.key}` }, body });
    await expectProblem(res, expected);
    const after = await rowsOf(workspace.id);
    expect(after.leads).toEqual(before.leads);
    expect(after.events).toHaveLength(before.events.length);
  });
});

describe("keys and workspaces", () => {
  it("404s another workspace's lead and a live lead for a test key, changing nothing", async () => {
    const mine = await withLead();
    const theirs = await withLead();
    await expectProblem(await patch(theirs.path, mine.live.key, { name: "X" }), problem("not_found", `No lead ${theirs.id}`));
    await expectProblem(await patch(mine.path, mine.test.key, { name: "X" }), problem("not_found", `No lead ${mine.id}`));
    await expectProblem(await patch("/v1/leads/lead_x", mine.live.key, { name: "X" }), problem("not_found", "No lead lead_x"));
    expect((await rowsOf(theirs.workspace.id)).leads[0]?.name).toBe("Ann");
    expect((await rowsOf(mine.workspace.id)).leads[0]?.name).toBe("Ann");
    expect((await rowsOf(mine.workspace.id)).events).toHaveLength(2);
  });

  it("needs leads:write (403)", async () => {
    const { workspace, path } = await withLead();
    const readOnly = await makeKey(workspace.id, { scopes: ["leads:read"] });
    await expectProblem(await patch(path, readOnly.key, { name: "X" }), problem("forbidden", "This key lacks the leads:write scope"));
    expect((await rowsOf(workspace.id)).leads[0]?.name).toBe("Ann");
  });
});
