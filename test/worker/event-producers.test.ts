import { describe, expect, it } from "vitest";
import { z } from "zod";
import { dncNumbers } from "../../db/schema/index.ts";
import { envelopeOf } from "../../functions/lib/outbox.ts";
import { wallTime } from "../../functions/lib/zoned-time.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { Call, FormResponse, PostCallV1, WebhookTestV1 } from "../../schemas/event-payloads.ts";
import { type EventType, eventTypes, parseEnvelope } from "../../schemas/events.ts";
import { Lead } from "../../schemas/leads.ts";
import { callCentre, dial, makeDue, newCallback } from "./dialler-helpers.ts";
import { call, db, json, makeDomain, tenant, zoneAtHour } from "./fixtures.ts";
import { createCallback, patch, post } from "./native-helpers.ts";
import { rowsOf } from "./rows.ts";

// Every event is written by a SQL statement beside the change it describes, not through the
// outbox's newEvent(), so nothing checks its data as it is made. Here each producer runs through
// the Worker as a client or the dialler would run it, and every event it wrote must parse with
// its type's payload schema (the contract receivers get) and, where the data is a resource, with
// that resource's schema, exactly. Together the producers must write every type in the catalogue.

/** What an event's data is, exactly: the resource it carries, plus what its type adds. */
const exactly = {
  "form_response.created": FormResponse,
  "lead.updated": Lead,
  "callback.scheduled": Callback,
  "callback.held": Callback,
  "callback.completed": Callback,
  "call.initiated": Call,
  "call.connected": Call,
  "call.completed": Call,
  "call.missed": Call.extend({ reason: z.string() }),
  post_call: PostCallV1,
  "webhook.test": WebhookTestV1,
} satisfies Record<EventType, z.ZodType>;

type Producer = {
  name: string;
  /** Runs the producer; the workspace whose events it wrote. */
  run: () => Promise<string>;
  /** Events it must have written: the type, and what its data says. */
  writes: [EventType, Record<string, unknown>][];
};

// Seed 000's example request, with our domain.
const formResponse = (domainId: string) => ({
  form_response: {
    domain_id: domainId,
    form_data: { name: "John Doe", email: "john@example.com", phone: "+1234567890", message: "Call me" },
    form_type: "contact",
    source_url: "https://yourwebsite.com/contact",
  },
});

/** A call centre whose domain, in a zone where it is midday now, opens only tomorrow, 10:00 to 11:00. */
async function closedToday() {
  const zone = zoneAtHour(12);
  const tomorrow = String((wallTime(new Date(), zone).weekday % 7) + 1);
  return { ...(await callCentre(1, { timezone: zone, businessHours: { [tomorrow]: [["10:00", "11:00"]] } })), zone };
}

const producers: Producer[] = [
  {
    name: "a test event sent to an endpoint (functions/webhooks/test-endpoint.ts)",
    run: async () => {
      const { workspace, live } = await tenant();
      const endpoint = await post("/v1/webhook_endpoints", live.key, { url: "https://example.com/hooks" });
      expect(endpoint.status).toBe(201);
      const sent = await post(`/v1/webhook_endpoints/${((await endpoint.json()) as { id: string }).id}/test`, live.key);
      expect(sent.status, await sent.clone().text()).toBe(202);
      return workspace.id;
    },
    writes: [["webhook.test", { message: "A test event from Ringback" }]],
  },
  {
    name: "intake: seed 000's form response (db/queries/intake.ts)",
    run: async () => {
      const { workspace, live } = await tenant();
      const domain = await makeDomain(workspace.id);
      const res = await call("/api/v1/form_responses", json(live.key, formResponse(domain.id)));
      expect(res.status, await res.clone().text()).toBe(201);
      return workspace.id;
    },
    writes: [
      ["form_response.created", { form_type: "contact" }],
      ["lead.updated", { phone: "+1234567890" }],
      ["callback.scheduled", { status: "scheduled", source: "form_response" }],
    ],
  },
  {
    name: "a lead's update (db/queries/leads.ts)",
    run: async () => {
      const { workspace, live } = await tenant();
      const { lead_id } = await createCallback(live.key, { phone: "+14155550123" });
      expect((await patch(`/v1/leads/${lead_id}`, live.key, { name: "Ann", opted_out: true })).status).toBe(200);
      return workspace.id;
    },
    writes: [["lead.updated", { name: "Ann", opted_out: true }]],
  },
  {
    name: "a callback's cancel (db/queries/callbacks.ts)",
    run: async () => {
      const { workspace, live } = await tenant();
      const { id } = await createCallback(live.key, { phone: "+14155550123", scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
      expect((await post(`/v1/callbacks/${id}/cancel`, live.key)).status).toBe(200);
      return workspace.id;
    },
    writes: [["callback.completed", { status: "canceled", ended_reason: "canceled_by_api" }]],
  },
  {
    name: "the dialler, holding a callback due outside the domain's hours (holdClaim)",
    run: async () => {
      const { workspace, test, domain, zone } = await closedToday();
      const id = await newCallback(test.key, domain.id, "+15005550001", { timezone: zone });
      // Made due early, as a clock jump would: the dialler decides again, and holds it.
      await makeDue(id);
      expect(await dial(id)).toBe("held");
      return workspace.id;
    },
    writes: [
      ["callback.scheduled", { status: "scheduled", hold: expect.objectContaining({ reason: "business_hours" }) }],
      ["callback.held", { status: "scheduled", hold: expect.objectContaining({ reason: "business_hours" }) }],
    ],
  },
  {
    name: "the dialler, blocking a number on the do-not-call list (finish)",
    run: async () => {
      const { workspace, test, domain } = await callCentre();
      const id = await newCallback(test.key, domain.id, "+15005550001");
      await db().insert(dncNumbers).values({ workspaceId: workspace.id, mode: "test", phone: "+15005550001", reason: "asked" });
      expect(await dial(id)).toBe("blocked");
      return workspace.id;
    },
    writes: [["callback.completed", { status: "blocked", ended_reason: "do_not_call" }]],
  },
  {
    name: "the dialler, with no agent for the last attempt (retryOrEnd's finish)",
    run: async () => {
      const { workspace, test, domain } = await callCentre(0);
      const id = await newCallback(test.key, domain.id, "+15005550001", { retry: { max_attempts: 1 } });
      expect(await dial(id)).toBe("no_agent");
      return workspace.id;
    },
    writes: [["callback.completed", { status: "exhausted", ended_reason: "max_attempts" }]],
  },
  {
    name: "an answered call (insertLeg, connect, complete)",
    run: async () => {
      const { workspace, test, domain } = await callCentre();
      expect(await dial(await newCallback(test.key, domain.id, "+15005550001"))).toBe("dialed");
      return workspace.id;
    },
    writes: [
      ["call.initiated", { status: "queued", phone: "+15005550001" }],
      ["call.connected", { status: "in-progress" }],
      ["call.completed", { status: "completed", duration_seconds: expect.any(Number) }],
      ["post_call", { webhook_type: "post_call", phone_number: "+15005550001" }],
      ["callback.completed", { status: "completed", ended_reason: "answered" }],
    ],
  },
  {
    name: "a missed last attempt (missAttempt)",
    run: async () => {
      const { workspace, test, domain } = await callCentre();
      expect(await dial(await newCallback(test.key, domain.id, "+15005550002", { retry: { max_attempts: 1 } }))).toBe("dialed");
      return workspace.id;
    },
    writes: [
      ["call.missed", { reason: "no-answer" }],
      ["callback.completed", { status: "exhausted", ended_reason: "max_attempts" }],
    ],
  },
];

describe("every event producer writes what its type's schemas describe", () => {
  it("the producers below write every type in the catalogue", () => {
    const written = new Set(producers.flatMap((p) => p.writes.map(([type]) => type)));
    expect(eventTypes.filter((type) => !written.has(type)), "event types no producer here writes").toEqual([]);
  });

  it.each(producers)(
    "$name",
    async ({ run, writes }) => {
      const { events } = await rowsOf(await run());
      for (const row of events) {
        const label = `${row.type} ${JSON.stringify(row.data)}`;
        expect(() => parseEnvelope(envelopeOf(row)), label).not.toThrow();
        const exact = exactly[row.type as EventType].safeParse(row.data);
        expect(exact.error?.issues, label).toBeUndefined();
      }
      for (const [type, data] of writes) {
        expect(events, type).toContainEqual(expect.objectContaining({ type, data: expect.objectContaining(data) }));
      }
    },
    // Several requests and a whole sandbox call each: seconds on a busy machine.
    30_000,
  );
});
