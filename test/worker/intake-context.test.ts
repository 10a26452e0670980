import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { domains, workspaces } from "../../db/schema/index.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { call, db, json, makeDomain, tenant } from "./fixtures.ts";
import { countWritten } from "./rows.ts";

// Intake decides a callback's first lawful moment on a domain remembered from an earlier request
// (functions/intake/domain-cache.ts) and on a lead assumed to have no history; the write checks
// both in its own snapshot and writes nothing if they differ (db/queries/intake.ts). Each test
// first sends a request on the domain, so that it is remembered, then changes the facts behind
// the Worker's back, where only the write's check can see the change.

const allWeek = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [["00:00", "24:00"]] as [string, string][]]));
const closedAllWeek = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [] as [string, string][]]));

async function shop() {
  const t = await tenant("Context shop", { requestsPerHour: 10_000, callbacksPerPhonePerHour: 1_000 });
  const domain = await makeDomain(t.workspace.id, "live", { timezone: "UTC", businessHours: allWeek, callingHoursStart: "00:00", callingHoursEnd: "23:59" });
  return { ...t, domain };
}

const form = (domainId: string, phone: string, consent?: { text: string; checked: boolean }) => ({ form_response: { domain_id: domainId, form_data: { phone }, ...(consent && { consent }) } });

async function create(key: string, body: Record<string, unknown>) {
  const res = await call("/v1/callbacks", json(key, body));
  expect(res.status).toBe(201);
  return Callback.parse(await res.json());
}

describe("intake on a remembered domain", () => {
  it("sees hours changed since the domain was remembered: the callback is held by the new hours", async () => {
    const { live, domain } = await shop();
    // Two New York numbers: the law holds both alike (or neither); only the domain's hours differ.
    const first = await create(live.key, { phone: "+12125550123", domain_id: domain.id });
    await db().update(domains).set({ businessHours: closedAllWeek }).where(eq(domains.id, domain.id));
    const second = await create(live.key, { phone: "+12125550124", domain_id: domain.id });
    expect(second.hold).not.toBeNull();
    expect(second.hold).not.toEqual(first.hold);
  });

  it("counts a request once when it starts over because the domain's country changed under a national number", async () => {
    const { live, domain } = await shop();
    await db().update(domains).set({ defaultCountry: "US" }).where(eq(domains.id, domain.id));
    const first = await call("/api/v1/form_responses", json(live.key, form(domain.id, "(415) 555-0105")));
    expect(first.status).toBe(201);
    // The number reads the same in Canada, but the country it was read in is not the domain's now.
    await db().update(domains).set({ defaultCountry: "CA" }).where(eq(domains.id, domain.id));
    const second = await call("/api/v1/form_responses", json(live.key, form(domain.id, "(415) 555-0106")));
    expect(second.status).toBe(201);
    const remaining = (res: Response) => Number(res.headers.get("x-ratelimit-remaining"));
    expect(remaining(first) - remaining(second)).toBe(1);
  });

  it("refuses a request without consent once the domain has started to require it", async () => {
    const { live, domain, workspace } = await shop();
    expect((await call("/api/v1/form_responses", json(live.key, form(domain.id, "+14155550101")))).status).toBe(201);
    await db().update(domains).set({ requireConsent: true }).where(eq(domains.id, domain.id));
    const before = await countWritten(workspace.id);
    const res = await call("/api/v1/form_responses", json(live.key, form(domain.id, "+14155550102")));
    expect(res.status).toBe(422);
    expect(await countWritten(workspace.id)).toBe(before);
  });

  it("takes a request without consent once the domain has stopped requiring it", async () => {
    const { live, domain } = await shop();
    await db().update(domains).set({ requireConsent: true }).where(eq(domains.id, domain.id));
    const consent = { text: "You may call me", checked: true };
    expect((await call("/api/v1/form_responses", json(live.key, form(domain.id, "+14155550103", consent)))).status).toBe(201);
    await db().update(domains).set({ requireConsent: false }).where(eq(domains.id, domain.id));
    expect((await call("/api/v1/form_responses", json(live.key, form(domain.id, "+14155550104")))).status).toBe(201);
  });

  it("sees the workspace's calling hours as they are, though the key's lookup is cached", async () => {
    const { live, domain, workspace } = await shop();
    const first = await create(live.key, { phone: "+12125550125", domain_id: domain.id });
    // One hour of calling a day, in UTC, that is not now.
    const hour = new Date().getUTCHours();
    const from = hour < 20 ? hour + 2 : 1;
    const at = (h: number) => `${String(h).padStart(2, "0")}:00`;
    await db().update(workspaces).set({ timezone: "UTC", callingHoursStart: at(from), callingHoursEnd: at(from + 1) }).where(eq(workspaces.id, workspace.id));
    const second = await create(live.key, { phone: "+12125550126", domain_id: domain.id });
    expect(second.hold).not.toBeNull();
    expect(second.hold).not.toEqual(first.hold);
  });
});

describe("a remembered widget key", () => {
  it("still names nothing for another workspace's key", async () => {
    const a = await shop();
    const b = await shop();
    const body = (key: string) => json(key, { widget_key: a.domain.widgetKey, lc_number: "+14155550105" });
    expect((await call("/rest/v1/ext/add_call_api/", body(a.live.key))).status).toBe(201);
    const other = await call("/rest/v1/ext/add_call_api/", body(b.live.key));
    expect(other.status).toBe(404);
    expect(await countWritten(b.workspace.id)).toBe(0);
  });
});
