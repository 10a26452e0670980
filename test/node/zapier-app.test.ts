import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { Callback } from "../../schemas/callbacks.ts";
import { CallLogCreated } from "../../schemas/callvine.ts";
import { DncEntry } from "../../schemas/dnc.ts";
import { eventTypes, parseEnvelope } from "../../schemas/events.ts";
import { Lead } from "../../schemas/leads.ts";

// The Zapier app checked offline, as `zapier validate` and Zapier's publishing review would:
// its definition against zapier-platform-schema (through the same function the CLI's validate
// command runs), the review's checks that need no Zapier account, and its hand-kept copies of the
// Worker's contract (the event catalogue, each sample) against the Worker's own schemas.

const require = createRequire(import.meta.url);
type Field = { key: string; label?: string; helpText?: string; required?: boolean };
type Operation = {
  type?: string;
  perform?: unknown;
  performList?: unknown;
  performSubscribe?: unknown;
  performUnsubscribe?: unknown;
  sample?: Record<string, unknown>;
  inputFields?: Field[];
};
type Step = { key: string; noun: string; display: { label: string; description: string }; operation: Operation };
type App = { version: string; platformVersion: string; triggers: Record<string, Step>; creates: Record<string, Step>; searches: Record<string, Step> };

const app: App = require("../../integrations/zapier/index.js");
const schemaTools: { prepareApp(app: unknown): unknown; validateApp(app: unknown): unknown[] } = require("zapier-platform-core/src/tools/schema");
const { events }: { events: { type: string }[] } = require("../../integrations/zapier/lib/events.js");
const appPackage = JSON.parse(readFileSync(new URL("../../integrations/zapier/package.json", import.meta.url), "utf8"));
const rootPackage = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
const openapi = JSON.parse(readFileSync(new URL("../../openapi.json", import.meta.url), "utf8"));

// Sent only to the endpoint its request names, never fanned out: no Zap could start from it.
const notATrigger = "webhook.test";

const steps = (): [string, Step][] => [
  ...Object.entries(app.triggers).map(([key, step]): [string, Step] => [`trigger ${key}`, step]),
  ...Object.entries(app.creates).map(([key, step]): [string, Step] => [`create ${key}`, step]),
  ...Object.entries(app.searches).map(([key, step]): [string, Step] => [`search ${key}`, step]),
];

describe("the Zapier app's definition", () => {
  it("passes zapier-platform-schema's validation, as `zapier validate` runs it", () => {
    expect(schemaTools.validateApp(schemaTools.prepareApp(app))).toEqual([]);
    // A definition missing what the schema requires is refused, so the check above can fail.
    const broken = { ...app, triggers: { ...app.triggers, lead_updated: { ...app.triggers.lead_updated, noun: undefined } } };
    expect(schemaTools.validateApp(schemaTools.prepareApp(broken)).length).toBeGreaterThan(0);
  });

  it("names zapier-platform-core 19.1.0, the version installed and the one it runs on", () => {
    expect(appPackage.dependencies["zapier-platform-core"]).toBe("19.1.0");
    expect(rootPackage.devDependencies["zapier-platform-core"]).toBe("19.1.0");
    expect(app.platformVersion).toBe("19.1.0");
    expect(app.version).toBe(appPackage.version);
  });

  it.each(steps())("%s has what a public app's review asks for", (_name, step) => {
    expect(step.noun).toMatch(/^[A-Z]/);
    expect(step.display.label).toMatch(/^[A-Z][\w-]*( ([A-Z(][\w()-]*|or|to|of|a|and))*$/); // Title Case
    expect(step.display.description.length).toBeGreaterThan(20);
    expect(step.display.description).toMatch(/\.$/);
    expect(step.operation.sample, "a sample").toBeTypeOf("object");
    for (const field of step.operation.inputFields ?? []) {
      expect(field.label, `${field.key}'s label`).toBeTruthy();
      expect(field.helpText, `${field.key}'s help text`).toBeTruthy();
    }
    const keys = (step.operation.inputFields ?? []).map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(Object.entries(app.triggers))("trigger %s is a REST hook with a sample list", (_key, trigger) => {
    expect(trigger.display.description).toMatch(/^Triggers when /);
    expect(trigger.operation.type).toBe("hook");
    for (const method of ["perform", "performList", "performSubscribe", "performUnsubscribe"] as const) {
      expect(trigger.operation[method], method).toBeTypeOf("function");
    }
    expect(trigger.operation.sample?.id).toMatch(/^evt_/);
  });

  it("has one trigger per event type of the Worker's catalogue and of openapi.json's webhooks, webhook.test aside", () => {
    const fannedOut = eventTypes.filter((type) => type !== notATrigger).toSorted();
    expect(events.map((e) => e.type).toSorted()).toEqual(fannedOut);
    expect(Object.keys(openapi.webhooks).filter((type) => type !== notATrigger).toSorted()).toEqual(fannedOut);
    expect(Object.keys(app.triggers).toSorted()).toEqual(fannedOut.map((type) => type.replaceAll(".", "_")).toSorted());
  });

  it.each(Object.entries(app.triggers))("trigger %s's sample is a valid event of its type", (key, trigger) => {
    const envelope = parseEnvelope(trigger.operation.sample);
    expect(envelope.event.replaceAll(".", "_")).toBe(key);
  });

  it("each action's and the search's sample is what the API answers", () => {
    Callback.parse(app.creates.create_callback?.operation.sample);
    CallLogCreated.shape.data.parse(app.creates.log_call?.operation.sample);
    DncEntry.parse(app.creates.add_to_dnc?.operation.sample);
    Lead.parse(app.searches.find_lead?.operation.sample);
  });
});
