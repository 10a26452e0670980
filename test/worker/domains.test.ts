import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { domains } from "../../db/schema/index.ts";
import { Domain, DomainList, domainDefaults } from "../../schemas/domains.ts";
import { call, db, makeDomain, makeKey, tenant } from "./fixtures.ts";
import { expectProblem, get, invalidBody, patch, post, problem, walk } from "./native-helpers.ts";
import { expectRefusal, send } from "./route-families.ts";

// /v1/domains: every CHECK on the domains table is a 422 naming its field, never a 500.

const stored = async (id: string) => (await db().select().from(domains).where(eq(domains.id, id)))[0];
const domainCount = async (workspaceId: string) => db().$count(domains, eq(domains.workspaceId, workspaceId));

async function created(key: string, body: Record<string, unknown>) {
  const res = await post("/v1/domains", key, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return Domain.parse(await res.json());
}

describe("POST /v1/domains", () => {
  it("makes a domain with the defaults and a widget key of its own", async () => {
    const { live } = await tenant();
    const domain = await created(live.key, { name: "shop.example" });
    expect(domain).toEqual({
      ...domainDefaults,
      id: expect.stringMatching(/^dom_/),
      name: "shop.example",
      widget_key: expect.stringMatching(/^wk_[\w-]{16}$/),
      mode: "live",
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Domain.parse(await (await get(`/v1/domains/${domain.id}`, live.key)).json())).toEqual(domain);
  });

  it("takes every setting, the zone canonicalised and the country upper-cased", async () => {
    const { live } = await tenant();
    const settings = {
      name: "shop.example",
      timezone: "europe/london",
      default_country: "gb",
      business_hours: { "6": [["10:00", "14:00"]] },
      holidays: ["2030-12-25", "2030-12-26"],
      auto_callback: false,
      calling_hours_start: "09:30",
      calling_hours_end: "24:00",
      daily_attempt_cap: 2,
      record_calls: true,
      agent_accept: false,
      machine_answer: "voicemail",
      voicemail_message: "Sorry we missed you",
      retry_after_voicemail: false,
      release_spacing_seconds: 0,
      simultaneous_ring: 3,
      require_consent: true,
      retry_max_attempts: 3,
      retry_intervals_seconds: [60, 600],
    };
    const domain = await created(live.key, settings);
    expect(domain).toMatchObject({ ...settings, timezone: "Europe/London", default_country: "GB" });
    expect((await stored(domain.id))?.widgetKey).toBe(domain.widget_key);
  });

  // Each CHECK on the table, and the rules beside them, as a 422 on the field.
  it.each([
    ["retry_max_attempts 0", { retry_max_attempts: 0 }, [["retry_max_attempts", "Too small: expected number to be >=1"]]],
    ["retry_max_attempts 6", { retry_max_attempts: 6 }, [["retry_max_attempts", "Too big: expected number to be <=5"]]],
    ["daily_attempt_cap 0", { daily_attempt_cap: 0 }, [["daily_attempt_cap", "Too small: expected number to be >=1"]]],
    ["calling hours backwards", { calling_hours_start: "20:00", calling_hours_end: "08:00" }, [["calling_hours_end", "must be after calling_hours_start"]]],
    ["calling_hours_end before the default start", { calling_hours_end: "07:00" }, [["calling_hours_end", "must be after calling_hours_start"]]],
    ["calling_hours_start 24:00", { calling_hours_start: "24:00" }, [["calling_hours_start", "must be HH:MM, 00:00 to 23:59"]]],
    ["calling_hours_end 9pm", { calling_hours_end: "9pm" }, [["calling_hours_end", "must be HH:MM, 00:01 to 24:00"]]],
    ["default_country of three letters", { default_country: "USA" }, [["default_country", "must be a two-letter country code, e.g. US"]]],
    ["default_country unknown", { default_country: "QQ" }, [["default_country", "is not a country whose phone numbers Ringback can read"]]],
    ["simultaneous_ring 11", { simultaneous_ring: 11 }, [["simultaneous_ring", "Too big: expected number to be <=10"]]],
    ["release_spacing_seconds -1", { release_spacing_seconds: -1 }, [["release_spacing_seconds", "Too small: expected number to be >=0"]]],
    ["release_spacing_seconds 3601", { release_spacing_seconds: 3601 }, [["release_spacing_seconds", "Too big: expected number to be <=3600"]]],
    ["machine_answer hangup", { machine_answer: "hangup" }, [["machine_answer", 'Invalid option: expected one of "retry"|"voicemail"']]],
    ["voicemail without a message", { machine_answer: "voicemail" }, [["voicemail_message", "is required when machine_answer is voicemail"]]],
    ["a blank voicemail message", { machine_answer: "voicemail", voicemail_message: "   " }, [["voicemail_message", "must not be blank"]]],
    ["a voicemail message over 1,000", { machine_answer: "voicemail", voicemail_message: "x".repeat(1001) }, [["voicemail_message", "Too big: expected string to have <=1000 characters"]]],
    ["a holiday that is no date", { holidays: ["2030-02-30"] }, [["holidays.0", "must be a real date, YYYY-MM-DD"]]],
    ["a holiday twice", { holidays: ["2030-12-25", "2030-12-25"] }, [["holidays", "lists a date twice"]]],
    ["business hours on day 8", { business_hours: { "8": [["09:00", "17:00"]] } }, [["business_hours.8", expect.any(String)]]],
    ["business hours backwards", { business_hours: { "1": [["17:00", "09:00"]] } }, [["business_hours.1.0", "must run forward within one day: the start before the end"]]],
    ["a retry interval of 0", { retry_intervals_seconds: [0] }, [["retry_intervals_seconds.0", "Too small: expected number to be >=1"]]],
    ["no retry intervals", { retry_intervals_seconds: [] }, [["retry_intervals_seconds", "Too small: expected array to have >=1 items"]]],
    ["a fraction", { daily_attempt_cap: 1.5 }, [["daily_attempt_cap", "must be a whole number"]]],
    ["a widget key", { widget_key: "wk_mine" }, [["widget_key", "is not a known field"]]],
    ["an unknown zone", { timezone: "Mars/Olympus" }, [["timezone", "is not an IANA time zone, e.g. America/New_York"]]],
  ])("refuses %s: 422 on the field, nothing written", async (_name, body, errors) => {
    const { live, workspace } = await tenant();
    const res = await post("/v1/domains", live.key, { name: "shop.example", ...body });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject(invalidBody(...(errors as [string, string][])));
    expect(await domainCount(workspace.id)).toBe(0);
  });

  it("reports every bad field at once", async () => {
    const { live } = await tenant();
    const res = await post("/v1/domains", live.key, { name: "", simultaneous_ring: 0, calling_hours_start: "22:00", machine_answer: "voicemail" });
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(
      ["calling_hours_end", "name", "simultaneous_ring", "voicemail_message"].sort(),
    );
  });

  it.each([["a NUL", "a\u0000b"], ["a lone surrogate", "\udc00"]])("refuses %s: 400, nothing written", async (_what, text) => {
    const { live, workspace } = await tenant();
    await expectRefusal(await call("/v1/domains", send("POST", live.key, { name: text })), "problem", 400);
    await expectRefusal(await call("/v1/domains", send("POST", live.key, { name: "x", holidays: [text] })), "problem", 400);
    expect(await domainCount(workspace.id)).toBe(0);
  });

  it("takes valueOf and toString as field names like any unknown one: 422", async () => {
    const { live, workspace } = await tenant();
    const res = await post("/v1/domains", live.key, { name: "x", valueOf: 1, business_hours: { toString: [] } });
    expect(res.status).toBe(422);
    expect(await domainCount(workspace.id)).toBe(0);
  });
});

describe("PATCH /v1/domains/:id", () => {
  it("changes what it is given and keeps the rest, widget key included", async () => {
    const { live } = await tenant();
    const domain = await created(live.key, { name: "shop.example", default_country: "US" });
    const res = await patch(`/v1/domains/${domain.id}`, live.key, { default_country: null, holidays: ["2031-01-01"], simultaneous_ring: 2 });
    expect(res.status).toBe(200);
    expect(Domain.parse(await res.json())).toEqual({ ...domain, default_country: null, holidays: ["2031-01-01"], simultaneous_ring: 2, updated_at: expect.any(String) });
  });

  it.each([
    ["calling_hours_end before the stored start", { calling_hours_start: "10:00" }, { calling_hours_end: "09:00" }, "calling_hours_end", "must be after calling_hours_start (the stored one, where not given)"],
    ["calling_hours_start after the stored end", {}, { calling_hours_start: "22:00" }, "calling_hours_end", "must be after calling_hours_start (the stored one, where not given)"],
    ["voicemail on a domain without a message", {}, { machine_answer: "voicemail" }, "voicemail_message", "is required when machine_answer is voicemail (the stored policy, where not given)"],
    ["clearing the message of a voicemail domain", { machine_answer: "voicemail", voicemail_message: "Hi" }, { voicemail_message: null }, "voicemail_message", "is required when machine_answer is voicemail (the stored policy, where not given)"],
  ])("refuses %s against the stored row: 422 on the field, nothing changed", async (_name, initial, change, path, message) => {
    const { live } = await tenant();
    const domain = await created(live.key, { name: "shop.example", ...initial });
    await expectProblem(await patch(`/v1/domains/${domain.id}`, live.key, change), invalidBody([path, message]));
    expect(Domain.parse(await (await get(`/v1/domains/${domain.id}`, live.key)).json())).toEqual(domain);
  });

  it("refuses a pair given backwards in one request, and an empty change", async () => {
    const { live } = await tenant();
    const domain = await created(live.key, { name: "shop.example" });
    await expectProblem(
      await patch(`/v1/domains/${domain.id}`, live.key, { calling_hours_start: "12:00", calling_hours_end: "11:00" }),
      invalidBody(["calling_hours_end", "must be after calling_hours_start"]),
    );
    await expectProblem(await patch(`/v1/domains/${domain.id}`, live.key, {}), invalidBody(["", "give at least one field to change"]));
  });
});

describe("GET /v1/domains", () => {
  it("walks every page newest first, only the key's workspace and mode", async () => {
    const { live, test, workspace } = await tenant();
    const other = await tenant();
    const ids = [(await created(live.key, { name: "a" })).id, (await created(live.key, { name: "b" })).id, (await created(live.key, { name: "c" })).id];
    await created(test.key, { name: "test mode" });
    await makeDomain(other.workspace.id);
    const { items, sizes } = await walk<Domain>("/v1/domains", live.key, 2);
    expect(items.map((d) => d.id)).toEqual(ids.toReversed());
    expect(sizes).toEqual([2, 1]);
    expect(DomainList.parse(await (await get("/v1/domains", test.key)).json()).data.map((d) => d.name)).toEqual(["test mode"]);
    expect(await domainCount(workspace.id)).toBe(4);
  });
});

describe("whose domains", () => {
  it("404s another workspace's domain and the other mode's, and changes nothing", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const their = await makeDomain(theirs.workspace.id);
    const myLive = await makeDomain(mine.workspace.id, "live");
    for (const [id, key] of [[their.id, mine.live.key], [myLive.id, mine.test.key]] as const) {
      await expectProblem(await get(`/v1/domains/${id}`, key), problem("not_found", `No domain ${id}`));
      await expectProblem(await patch(`/v1/domains/${id}`, key, { name: "mine now" }), problem("not_found", `No domain ${id}`));
    }
    expect((await stored(their.id))?.name).toBe("shop.example");
    expect((await stored(myLive.id))?.name).toBe("shop.example");
  });

  it("needs domains:read to read and domains:write to change (403)", async () => {
    const { workspace } = await tenant();
    const domain = await makeDomain(workspace.id);
    const reader = await makeKey(workspace.id, { scopes: ["domains:read"] });
    const writer = await makeKey(workspace.id, { scopes: ["domains:write"] });
    const noWrite = problem("forbidden", "This key lacks the domains:write scope");
    await expectProblem(await post("/v1/domains", reader.key, { name: "x" }), noWrite);
    await expectProblem(await patch(`/v1/domains/${domain.id}`, reader.key, { name: "x" }), noWrite);
    await expectProblem(await get("/v1/domains", writer.key), problem("forbidden", "This key lacks the domains:read scope"));
    expect(await domainCount(workspace.id)).toBe(1);
  });
});
