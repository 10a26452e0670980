import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { callAttempts, consents, dialDecisions, dncNumbers, leads } from "../../db/schema/index.ts";
import { dialCallback } from "../../functions/calls/dial.ts";
import { ComplianceExport, Eligibility } from "../../schemas/compliance.ts";
import { hashKey } from "../../functions/lib/keys.ts";
import { callCentre, callbackRow, dial, makeDue, newCallback } from "./dialler-helpers.ts";
import { bearer, call, db, json, makeDomain, tenant, testEnv } from "./fixtures.ts";
import { countWritten } from "./rows.ts";

// Consent records at intake, the domain's require_consent in each endpoint's own error shape,
// the record of every dial decision and its chain, the compliance export, and eligibility.

const consent = { text: "Yes, call me back about my quote. Reply STOP to opt out.", version: "v3", checked: true, page_url: "https://shop.example/quote" };

async function exportOf(key: string, leadId: string) {
  const res = await call(`/v1/leads/${leadId}/compliance`, { headers: bearer(key) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ComplianceExport.parse(await res.json());
}

describe("consent records", () => {
  it("keeps the text verbatim with its sha256, and what Ringback saw when it came", async () => {
    const { workspace, live } = await tenant();
    const res = await call("/v1/callbacks", json(live.key, { phone: "+14155550123", consent }, { "CF-Connecting-IP": "203.0.113.7", "User-Agent": "Shop/1.0" }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; lead_id: string };
    const exported = await exportOf(live.key, body.lead_id);
    expect(exported.consents).toEqual([
      {
        id: expect.stringMatching(/^cns_/),
        source: "api",
        source_id: body.id,
        text: consent.text,
        text_sha256: await hashKey(consent.text),
        version: "v3",
        checked: true,
        page_url: consent.page_url,
        ip_address: "203.0.113.7",
        user_agent: "Shop/1.0",
        created_at: expect.stringMatching(/Z$/),
      },
    ]);
    expect(await db().select().from(consents).where(eq(consents.workspaceId, workspace.id))).toHaveLength(1);
  });

  it("comes with a CallMeBack form response, and from a Brightcall link's lc_param_consent_*", async () => {
    const { live, workspace } = await tenant();
    const domain = await makeDomain(workspace.id, "live");
    const form = { form_response: { domain_id: domain.id, form_data: { phone: "+14155550123" }, consent } };
    expect((await call("/api/v1/form_responses", json(live.key, form))).status).toBe(201);
    const link = new URLSearchParams({
      widget_key: domain.widgetKey,
      api_key: live.key,
      lc_number: "+14155550124",
      lc_param_consent_text: consent.text,
      lc_param_consent_checked: "1",
      lc_param_consent_url: consent.page_url,
    });
    expect((await call(`/rest/v1/ext/add_call_api/?${link}`)).status).toBe(201);
    const rows = await db().select().from(consents).where(eq(consents.workspaceId, workspace.id)).orderBy(consents.id);
    expect(rows.map((r) => [r.source, r.checked, r.version])).toEqual([
      ["form_response", true, "v3"],
      ["add_call_api", true, null],
    ]);
    // The consent parameters are not kept as the lead's custom fields.
    const [lead] = await db().select().from(leads).where(and(eq(leads.workspaceId, workspace.id), eq(leads.phone, "+14155550124")));
    expect(lead!.customFields).toEqual({});
  });

  it("refuses a Brightcall consent text without whether the box was ticked", async () => {
    const { live, workspace } = await tenant();
    const domain = await makeDomain(workspace.id, "live");
    const link = new URLSearchParams({ widget_key: domain.widgetKey, api_key: live.key, lc_number: "+14155550123", lc_param_consent_text: "Yes" });
    const res = await call(`/rest/v1/ext/add_call_api/?${link}`);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { fields: Record<string, string[]> } }).error.fields).toEqual({ lc_param_consent_checked: ["is required with lc_param_consent_text"] });
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("a domain that requires consent refuses intake without it, in each endpoint's own shape", () => {
  async function strict() {
    const t = await tenant();
    const domain = await makeDomain(t.workspace.id, "live", { requireConsent: true });
    return { ...t, domain };
  }

  it("CallMeBack: 422 Validation failed, with the field as the seed names fields", async () => {
    const { live, domain, workspace } = await strict();
    const res = await call("/api/v1/form_responses", json(live.key, { form_response: { domain_id: domain.id, form_data: { phone: "+14155550123" } } }));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: "Validation failed", details: { consent: ["is required"] } });
    const unticked = { form_response: { domain_id: domain.id, form_data: { phone: "+14155550123" }, consent: { ...consent, checked: false } } };
    const again = await call("/api/v1/form_responses", json(live.key, unticked));
    expect(await again.json()).toEqual({ error: "Validation failed", details: { "consent.checked": ["is invalid"] } });
    expect(await countWritten(workspace.id)).toBe(0);
    const ok = { form_response: { domain_id: domain.id, form_data: { phone: "+14155550123" }, consent } };
    expect((await call("/api/v1/form_responses", json(live.key, ok))).status).toBe(201);
  });

  it("callbacks: 422 problem+json listing consent", async () => {
    const { live, domain, workspace } = await strict();
    const res = await call("/v1/callbacks", json(live.key, { phone: "+14155550123", domain_id: domain.id }));
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(((await res.json()) as { errors: unknown[] }).errors).toEqual([{ path: "consent", message: "is required: this domain requires a consent record" }]);
    expect(await countWritten(workspace.id)).toBe(0);
  });

  it("Brightcall: 422 with error.fields", async () => {
    const { live, domain, workspace } = await strict();
    const res = await call(`/rest/v1/ext/add_call_api/?${new URLSearchParams({ widget_key: domain.widgetKey, api_key: live.key, lc_number: "+14155550123" })}`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { success: boolean; error: { code: string; fields: Record<string, string[]> } };
    expect(body).toMatchObject({ success: false, error: { code: "validation_failed", fields: { lc_param_consent_text: ["is required: this domain requires a consent record"] } } });
    expect(await countWritten(workspace.id)).toBe(0);
  });
});

describe("every dial decision is recorded, chained", () => {
  it("records dialled, held and blocked, with what each relied on", async () => {
    const { test, domain, workspace } = await callCentre(1, { dailyAttemptCap: 1 });
    const res = await call("/v1/callbacks", json(test.key, { phone: "+15005550002", domain_id: domain.id, consent }));
    const { id, lead_id: leadId } = (await res.json()) as { id: string; lead_id: string };
    expect(await dial(id)).toBe("dialed"); // the lead does not answer: a retry, held by the cap of 1 a day
    await makeDue(id);
    expect(await dial(id)).toBe("held");
    await db().insert(dncNumbers).values({ workspaceId: workspace.id, mode: "test", phone: "+15005550002", reason: "asked" });
    await makeDue(id);
    expect(await dial(id)).toBe("blocked");

    const exported = await exportOf(test.key, leadId);
    expect(exported.chain).toMatchObject({ valid: true, length: 3, broken_at: null });
    const [dialled, held, blocked] = exported.decisions.map((d) => d.decision!);
    const relied = { id: exported.consents[0]!.id, text_sha256: await hashKey(consent.text), checked: true, version: "v3" };
    expect(dialled).toMatchObject({ decision: "dialled", reason: null, zone_source: "domain", rulebook_version: expect.any(String), dnc: { on_list: false, opted_out: false }, attempts_24h: 0, consent: relied });
    expect(held).toMatchObject({ decision: "held", reason: "daily_cap", rule: "domain 1 calls per 24 h", attempts_24h: 1 });
    expect(blocked).toMatchObject({ decision: "blocked", reason: "do_not_call", dnc: { on_list: true, opted_out: false } });
    expect(exported.dnc).toMatchObject({ listed: true, reason: "asked" });
    // Each record points at the one before it.
    expect(exported.decisions[1]!.prev_hash).toBe(exported.decisions[0]!.hash);
    expect(exported.decisions[0]!.hash).toBe(await hashKey(`\n${exported.decisions[0]!.record}`));
  });

  /** A lead with two decisions: a call dialled (not answered), then its retry held by a cap of one a day. */
  async function twoDecisions() {
    const { test, domain } = await callCentre(1, { dailyAttemptCap: 1 });
    const id = await newCallback(test.key, domain.id, "+15005550002");
    await dial(id);
    await makeDue(id);
    await dial(id);
    return { key: test.key, leadId: (await callbackRow(id)).leadId };
  }

  it("reports a broken chain when a stored decision is edited, or one is removed", async () => {
    const { key, leadId } = await twoDecisions();
    expect((await exportOf(key, leadId)).chain.valid).toBe(true);

    await db()
      .update(dialDecisions)
      .set({ record: sql`replace(${dialDecisions.record}, '"decision":"held"', '"decision":"dialled"')` })
      .where(and(eq(dialDecisions.leadId, leadId), eq(dialDecisions.seq, 2)));
    const edited = await exportOf(key, leadId);
    expect(edited.chain).toMatchObject({ valid: false, broken_at: 2, problem: "record 2 has been changed since it was written" });

    await db().delete(dialDecisions).where(and(eq(dialDecisions.leadId, leadId), eq(dialDecisions.seq, 1)));
    expect((await exportOf(key, leadId)).chain).toMatchObject({ valid: false, broken_at: 2 });
  });

  it("reports the newest records removed, too", async () => {
    const { key, leadId } = await twoDecisions();
    await db().delete(dialDecisions).where(and(eq(dialDecisions.leadId, leadId), eq(dialDecisions.seq, 2)));
    expect((await exportOf(key, leadId)).chain).toMatchObject({ valid: false, length: 1, broken_at: 2, problem: "records 2 to 2 are missing" });
  });

  it("lets one call through when two callbacks to one lead are dialled at once against a cap of one", async () => {
    const { test, domain } = await callCentre(1, { dailyAttemptCap: 1 });
    const first = await newCallback(test.key, domain.id, "+15005550002", { metadata: { n: 1 } });
    const second = await newCallback(test.key, domain.id, "+15005550002", { metadata: { n: 2 } });
    const ctx = createExecutionContext();
    const outcomes = await Promise.all([dialCallback(testEnv(), ctx, first), dialCallback(testEnv(), ctx, second)]);
    await waitOnExecutionContext(ctx);
    expect(outcomes.filter((o) => o === "dialed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "raced" || o === "held")).toHaveLength(1);
    const leadId = (await callbackRow(first)).leadId;
    const legs = await db().select().from(callAttempts).where(inArray(callAttempts.callbackId, [first, second]));
    expect(legs.filter((leg) => leg.leg === 0)).toHaveLength(1);
    expect((await exportOf(test.key, leadId)).chain.valid).toBe(true);
  });

  it("is a 404 for another workspace's lead, or the other mode's", async () => {
    const { test, live, domain } = await callCentre();
    const leadId = (await callbackRow(await newCallback(test.key, domain.id, "+15005550001"))).leadId;
    const other = await tenant();
    expect((await call(`/v1/leads/${leadId}/compliance`, { headers: bearer(other.test.key) })).status).toBe(404);
    expect((await call(`/v1/leads/${leadId}/compliance`, { headers: bearer(live.key) })).status).toBe(404);
  });
});

describe("GET /v1/callbacks/{id}/eligibility", () => {
  it("says when and why, and changes nothing", async () => {
    const { test, domain, workspace } = await callCentre(1, { dailyAttemptCap: 1 });
    const id = await newCallback(test.key, domain.id, "+15005550002");
    await dial(id);
    const before = await countWritten(workspace.id);
    const res = await call(`/v1/callbacks/${id}/eligibility`, { headers: bearer(test.key) });
    expect(res.status).toBe(200);
    const body = Eligibility.parse(await res.json());
    expect(body).toMatchObject({ callback_id: id, status: "retry_scheduled", eligible_now: false, blocked: null, hold: { reason: "daily_cap" }, zone_source: "domain", attempts_24h: 1 });
    expect(body.next_eligible_at).toBe(body.hold!.until);
    expect(await countWritten(workspace.id)).toBe(before);
  });

  it("says blocked for a number on the do-not-call list, and eligible for one that may ring", async () => {
    const { test, domain, workspace } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    const open = Eligibility.parse(await (await call(`/v1/callbacks/${id}/eligibility`, { headers: bearer(test.key) })).json());
    expect(open).toMatchObject({ eligible_now: true, blocked: null, hold: null });
    await db().insert(dncNumbers).values({ workspaceId: workspace.id, mode: "test", phone: "+15005550001" });
    const blocked = Eligibility.parse(await (await call(`/v1/callbacks/${id}/eligibility`, { headers: bearer(test.key) })).json());
    expect(blocked).toMatchObject({ eligible_now: false, blocked: "do_not_call", next_eligible_at: null });
  });

  it("is a 404 for another workspace's callback, or the other mode's", async () => {
    const { test, live, domain } = await callCentre();
    const id = await newCallback(test.key, domain.id, "+15005550001");
    const other = await tenant();
    expect((await call(`/v1/callbacks/${id}/eligibility`, { headers: bearer(other.test.key) })).status).toBe(404);
    expect((await call(`/v1/callbacks/${id}/eligibility`, { headers: bearer(live.key) })).status).toBe(404);
  });
});
