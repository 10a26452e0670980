import { type SQL, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import * as resourceModule from "../../db/queries/resources.ts";
import { resources } from "../../db/queries/resources.ts";
import { addDncNumber, listDncNumbers } from "../../db/queries/dnc.ts";
import { listEndpoints } from "../../db/queries/webhook-endpoints.ts";
import { listDeliveries } from "../../db/queries/webhook-deliveries.ts";
import {
  agents,
  attemptStatus,
  callAttempts,
  callbackSource,
  callbackStatus,
  callbacks,
  deliveryStatus,
  events,
  formResponses,
  leads,
  mode,
  telephonyProvider,
  webhookDeliveries,
  webhookEndpoints,
} from "../../db/schema/index.ts";
import { deliveryJson, endpointJson } from "../../functions/lib/webhook-resources.ts";
import { holdReasons, zoneSources } from "../../schemas/compliance.ts";
import { DncEntry } from "../../schemas/dnc.ts";
import { newId } from "../../schemas/ids.ts";
import { attemptOutcomes } from "../../schemas/telephony.ts";
import { Delivery, Endpoint } from "../../schemas/webhooks.ts";
import { db, makeDomain, makeWorkspace } from "./fixtures.ts";

// Each resource is defined once, by its schema; SQL only builds it. Rows in every status the
// database allows (enumerated from its enums, so a new status is covered without a new test) go
// through every builder of db/queries/resources.ts, and what comes out must parse, strictly, with
// the schema the builder is paired with: a builder that drifts fails here, not as a 500.

type Name = keyof typeof resources;
type Json = Record<string, unknown>;

// Exports of db/queries/resources.ts that are not resource builders.
const helpers = new Set(["isoSql", "resources"]);

const at = (iso: string) => new Date(iso);
const later = () => new Date(Date.now() + 3600_000);
const phoneOf = (i: number) => `+1415555${String(2000 + i).padStart(4, "0")}`;
/** One value of `values` per index, round robin, so that every value shows up across the rows. */
const pick = <T>(values: readonly T[], i: number) => values[i % values.length] as T;

type Mode = (typeof mode.enumValues)[number];

/**
 * One workspace with rows in every status: each mode gets a domain, an agent, and two leads and
 * two form responses (one with every optional column set, one with none); a callback per status,
 * both ways; a call leg per attempt status, as the agent's call and as the lead's.
 */
async function seed() {
  const { id: workspaceId } = await makeWorkspace("Every status");
  const byMode = {} as Record<Mode, { domainId: string; agentId: string; leadIds: { full: string; bare: string } }>;
  for (const m of mode.enumValues) {
    const { id: domainId } = await makeDomain(workspaceId, m);
    const agentId = newId("agent");
    await db().insert(agents).values({ id: agentId, workspaceId, mode: m, name: "Agent", phone: "+14155550100" });
    byMode[m] = { domainId, agentId, leadIds: { full: newId("lead"), bare: newId("lead") } };
  }
  const owned = (m: Mode) => byMode[m];

  await db()
    .insert(leads)
    .values(
      mode.enumValues.flatMap((m, i) => {
        const { domainId, leadIds } = owned(m);
        const { full, bare } = leadIds;
        return [
          {
            id: full,
            workspaceId,
            mode: m,
            phone: phoneOf(2 * i),
            phoneRaw: "(415) 555-2000",
            phone2: "+442079460018",
            name: "Ann",
            email: "ann@example.com",
            country: "US",
            timezone: "America/Los_Angeles",
            domainId,
            customFields: { plan: "pro", nested: { seats: 5 } },
            optedOut: true,
            optedOutAt: at("2030-01-15T10:30:00Z"),
          },
          { id: bare, workspaceId, mode: m, phone: phoneOf(2 * i + 1), phoneRaw: phoneOf(2 * i + 1) },
        ];
      }),
    );

  await db()
    .insert(formResponses)
    .values(
      mode.enumValues.flatMap((m) => {
        const { domainId, leadIds } = owned(m);
        const base = { workspaceId, mode: m, domainId, fingerprint: "f" };
        return [
          {
            ...base,
            id: newId("formResponse"),
            leadId: leadIds.full,
            formType: "contact",
            formData: { name: "Ann", message: "call me" },
            sourceUrl: "https://shop.example/contact",
            userAgent: "Mozilla/5.0",
            ipAddress: "192.0.2.1",
          },
          { ...base, id: newId("formResponse"), leadId: leadIds.bare, formData: {} },
        ];
      }),
    );

  const callbackRows = callbackStatus.enumValues.flatMap((status, i) =>
    [true, false].map((full, j) => {
      const m = pick(mode.enumValues, i + j);
      const { domainId, agentId, leadIds } = owned(m);
      const base = {
        id: newId("callback"),
        workspaceId,
        mode: m,
        leadId: full ? leadIds.full : leadIds.bare,
        source: pick(callbackSource.enumValues, 2 * i + j),
        status,
        scheduledAt: at("2030-01-15T10:30:00Z"),
      };
      if (!full) return { ...base, retryIntervalsSeconds: [] };
      return {
        ...base,
        domainId,
        agentId,
        agentOverride: { name: i % 2 === 0 ? null : "Bob", phone: "+14155550199" },
        sourceId: "fr_source",
        nextAttemptAt: later(),
        hold: {
          until: i % 2 === 0 ? "2030-01-15T17:00:00Z" : null,
          reason: pick(holdReasons, i),
          rule: "US-CA 08:00-21:00",
          citation: i % 2 === 0 ? "47 CFR 64.1200(c)(1)" : null,
          zone: "America/Los_Angeles",
          zone_source: pick(zoneSources, i),
        },
        timezone: "America/Los_Angeles",
        attemptCount: 2,
        maxAttempts: 3,
        retryIntervalsSeconds: [120, 600],
        metadata: { ref: "order-1", tags: ["a"] },
        endedReason: "answered",
        completedAt: at("2030-01-15T11:00:00Z"),
        canceledAt: at("2030-01-15T11:00:00Z"),
      };
    }),
  );
  await db().insert(callbacks).values(callbackRows);

  // Legs hang off one callback per mode; each row is its own attempt, so none collide.
  const callbackOf = (m: Mode) => {
    const row = callbackRows.find((c) => c.mode === m);
    if (!row) throw new Error(`no callback in ${m} mode`);
    return row.id;
  };
  await db()
    .insert(callAttempts)
    .values(
      attemptStatus.enumValues.flatMap((status, i) =>
        [true, false].map((agentLeg, j) => {
          const m = pick(mode.enumValues, i + j);
          const n = 2 * i + j;
          const base = {
            id: newId("callAttempt"),
            workspaceId,
            mode: m,
            callbackId: callbackOf(m),
            attemptNumber: n + 1,
            leg: j,
            agentPhone: "+14155550100",
            provider: pick(telephonyProvider.enumValues, n),
          };
          // The agent's call in this status; or, with every optional column set, the lead's call bridged from an answered agent.
          if (agentLeg) return { ...base, status };
          return {
            ...base,
            agentId: owned(m).agentId,
            status: "completed" as const,
            leadStatus: status,
            providerCallId: `CA${newId("callAttempt")}`,
            leadCallId: `CA${newId("callAttempt")}`,
            durationSeconds: 42,
            recordingUrl: "https://api.twilio.com/recording.mp3",
            answeredBy: pick(["human", "machine_end_beep", "unknown"], i),
            outcome: pick(attemptOutcomes, i),
          };
        }),
      ),
    );
  return workspaceId;
}

// How each builder is run over the workspace's rows: the FROM clause its aliases name.
const selects = {
  lead: (ws) => sql`SELECT ${resources.lead.build("l")} AS json FROM leads l WHERE l.workspace_id = ${ws}`,
  callback: (ws) =>
    sql`SELECT ${resources.callback.build("c", "l")} AS json FROM callbacks c JOIN leads l ON l.id = c.lead_id WHERE c.workspace_id = ${ws}`,
  formResponse: (ws) => sql`SELECT ${resources.formResponse.build("f")} AS json FROM form_responses f WHERE f.workspace_id = ${ws}`,
  call: (ws) => sql`SELECT ${resources.call.build("a", "c", "l")} AS json
    FROM call_attempts a JOIN callbacks c ON c.id = a.callback_id JOIN leads l ON l.id = c.lead_id WHERE a.workspace_id = ${ws}`,
} satisfies Record<Name, (workspaceId: string) => SQL>;

// The enumerated values each resource's rows must show, so that "every status" stays true.
const shows: Record<Name, [string, readonly unknown[]][]> = {
  lead: [["mode", mode.enumValues]],
  callback: [
    ["status", callbackStatus.enumValues],
    ["source", callbackSource.enumValues],
    ["mode", mode.enumValues],
    ["hold.reason", holdReasons],
    ["hold.zone_source", zoneSources],
  ],
  formResponse: [],
  call: [
    ["agent_status", attemptStatus.enumValues],
    ["lead_status", attemptStatus.enumValues],
    ["status", attemptStatus.enumValues],
    ["provider", telephonyProvider.enumValues],
    ["outcome", attemptOutcomes],
    ["mode", mode.enumValues],
  ],
};

const valueAt = (json: Json, path: string) => path.split(".").reduce<unknown>((v, key) => (v as Json | null)?.[key], json);

/** Parses every item strictly, naming the item that fails; and checks each nullable field is seen both null and set. */
function expectAllParse(schema: z.ZodObject, items: Json[]) {
  expect(items.length).toBeGreaterThan(0);
  for (const item of items) {
    const result = schema.safeParse(item);
    expect(result.error?.issues, JSON.stringify(item)).toBeUndefined();
  }
  for (const [field, fieldSchema] of Object.entries(schema.shape)) {
    if (!(fieldSchema as z.ZodType).safeParse(null).success) continue;
    const seen = new Set(items.map((item) => (item[field] === null ? "null" : "set")));
    expect([...seen].sort(), `${field} is seen both null and set`).toEqual(["null", "set"]);
  }
}

describe("the resource builders of db/queries/resources.ts", () => {
  it("are each paired with a schema", () => {
    const builders = new Set<unknown>(Object.values(resources).map((r) => r.build));
    const unpaired = Object.entries(resourceModule)
      .filter(([name, value]) => !helpers.has(name) && !builders.has(value))
      .map(([name]) => name);
    expect(unpaired, "export a builder only with its schema in `resources`").toEqual([]);
    expect(Object.keys(selects).sort()).toEqual(Object.keys(resources).sort());
  });

  let workspaceId: string;
  beforeAll(async () => {
    workspaceId = await seed();
  }, 30_000);

  it.each(Object.keys(resources) as Name[])("%s: parses with its schema for rows in every status", async (name) => {
    const { rows } = await db().execute<{ json: Json }>(selects[name](workspaceId));
    const items = rows.map((row) => row.json);
    expectAllParse(resources[name].schema, items);
    for (const [path, values] of shows[name]) {
      const seen = new Set(items.map((item) => valueAt(item, path)));
      expect(values.filter((value) => !seen.has(value)), `${name}.${path} values without a row`).toEqual([]);
    }
  });
});

describe("the other resources", () => {
  it("do-not-call entries, built in SQL, parse with DncEntry", async () => {
    const { id: workspaceId } = await makeWorkspace();
    const entries = [];
    for (const m of mode.enumValues) {
      const owner = { workspaceId, mode: m };
      entries.push((await addDncNumber(db(), owner, phoneOf(1), "asked not to be called")).entry);
      entries.push((await addDncNumber(db(), owner, phoneOf(2), null)).entry);
      entries.push((await addDncNumber(db(), owner, phoneOf(2), "again")).entry); // found, not added
      entries.push(...(await listDncNumbers(db(), owner, {}, 10)));
    }
    expect(entries).toHaveLength(10);
    expectAllParse(DncEntry, entries);
  });

  it("webhook endpoints, enabled, disabled, paused and rotating, parse with Endpoint", async () => {
    const { id: workspaceId } = await makeWorkspace();
    const base = { workspaceId, mode: "live" as const, url: "https://hooks.example/in", secret: "sealed" };
    await db()
      .insert(webhookEndpoints)
      .values([
        { ...base, id: newId("webhookEndpoint"), description: "all of them" },
        { ...base, id: newId("webhookEndpoint"), events: ["lead.updated", "post_call"], enabled: false, disabledReason: "410 Gone", failingSince: new Date() },
        { ...base, id: newId("webhookEndpoint"), pausedUntil: later(), failureStreak: 5, pauseCount: 1, hasParked: true, failingSince: new Date() },
        { ...base, id: newId("webhookEndpoint"), previousSecret: "sealed-old", previousSecretExpiresAt: later() },
      ]);
    const rows = await listEndpoints(db(), { workspaceId, mode: "live" }, { limit: 10 });
    expect(rows).toHaveLength(4);
    expectAllParse(Endpoint.strict(), rows.map(endpointJson));
  });

  it("webhook deliveries, in every status, to an endpoint and to an agent, parse with Delivery", async () => {
    const { id: workspaceId } = await makeWorkspace();
    const owner = { workspaceId, mode: "live" as const };
    const endpointId = newId("webhookEndpoint");
    const agentId = newId("agent");
    await db().insert(webhookEndpoints).values({ ...owner, id: endpointId, url: "https://hooks.example/in", secret: "sealed" });
    await db().insert(agents).values({ ...owner, id: agentId, name: "Agent", phone: "+14155550100" });
    const attempt = { at: "2030-01-15T10:30:00.000Z", status_code: 500, latency_ms: 12, response_body: "oops", error: null };
    const rows = [];
    for (const status of deliveryStatus.enumValues) {
      for (const target of [{ endpointId }, { agentId }]) {
        const eventId = newId("event");
        await db().insert(events).values({ ...owner, id: eventId, type: "post_call", data: {}, fannedOutAt: new Date() });
        rows.push({ ...owner, ...target, id: newId("webhookDelivery"), eventId, status, attemptCount: 1, attempts: [attempt], nextAttemptAt: later() });
      }
    }
    await db().insert(webhookDeliveries).values(rows);
    const listed = await listDeliveries(db(), owner, { limit: 20 });
    expect(new Set(listed.map((d) => d.status))).toEqual(new Set(deliveryStatus.enumValues));
    expectAllParse(Delivery.strict(), listed.map(deliveryJson));
  });
});
