import { createExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { agents, webhookEndpoints } from "../../db/schema/index.ts";
import worker from "../../functions/index.ts";
import { parseEnv, type Bindings } from "../../functions/env.ts";
import { newId } from "../../schemas/ids.ts";
import { resealSecrets } from "../../functions/lib/reseal.ts";
import { Keyring, type SecretSlot } from "../../functions/lib/secrets.ts";
import { newWebhookSecret } from "../../functions/lib/signing.ts";
import { EndpointWithSecret, RotatedSecret } from "../../schemas/webhooks.ts";
import { bearer, call, db, tenant, testEnv } from "./fixtures.ts";
import { bindings, createEndpoint, deliveriesOf, insertEvent, postCall, receiver, recordingQueue, runQueue, samplePayloads } from "./webhooks-helpers.ts";

// Webhook and agent secrets are stored sealed (functions/lib/secrets.ts) and opened only to sign.
// Every delivery here is verified in Node by the standardwebhooks package (test/setup/webhook-receivers.ts).

const keyring = () => testEnv().SECRETS_KEYS;
const secretOf = (id: string): SecretSlot => ({ column: "webhook_endpoints.secret", id });
const previousOf = (id: string): SecretSlot => ({ column: "webhook_endpoints.previous_secret", id });
const agentSecretOf = (id: string): SecretSlot => ({ column: "agents.webhook_secret", id });
const endpointRow = async (id: string) => (await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0]!;
const agentRow = async (id: string) => (await db().select().from(agents).where(eq(agents.id, id)))[0]!;

/** What a delivery whose secret will not open shows in the customer's delivery log. */
const unopened = "the signing secret could not be opened; Ringback's operators have the details";

/** Everything logged as an error since the test began (each test starts a fresh spy). */
function logged(): string {
  return errorLog.mock.calls.map((args) => args.map(String).join(" ")).join("\n");
}
let errorLog = vi.spyOn(console, "error");
beforeEach(() => {
  errorLog.mockRestore();
  errorLog = vi.spyOn(console, "error").mockImplementation(() => {});
});

/** A fresh 32-byte key, and the test run's keyring rotated to it (the old key still opens). */
function rotatedKeyring() {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  return `k2:${key},${bindings.SECRETS_KEYS as string}`;
}

/** One event through the webhooks consumer, with these settings. */
async function deliver(owner: { workspaceId: string; mode: "live" }, type: "lead.updated" | "post_call", data: Record<string, unknown>, settings: Partial<Bindings> = {}) {
  const event = await insertEvent(owner, type, data);
  const { thrown } = await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue, ...settings } });
  expect(thrown).toBeNull();
  return deliveriesOf(event.id);
}

/** An endpoint for lead.updated (post_call goes to agents here), and its receiver. */
async function endpointWith(live: { key: string }) {
  const r = await receiver();
  const endpoint = await createEndpoint(live.key, { url: r.url, events: ["lead.updated"] });
  await r.configure({ secrets: [endpoint.secret], hexSecret: endpoint.secret });
  return { r, endpoint };
}

describe("an endpoint's secret at rest", () => {
  it("is stored sealed, not as issued, and still signs deliveries standardwebhooks verifies", async () => {
    const { workspace, live } = await tenant();
    const { r, endpoint } = await endpointWith(live);
    const row = await endpointRow(endpoint.id);
    expect(row.secret).toMatch(new RegExp(`^enc:v1:${keyring().current}:[\\w-]+:[\\w-]+$`));
    expect(row.secret).not.toContain(endpoint.secret.slice("whsec_".length, 20));
    expect(await keyring().open(row.secret, secretOf(endpoint.id))).toBe(endpoint.secret);

    await deliver({ workspaceId: workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);
    const [request] = await r.requests();
    expect(request!.verdicts).toEqual({ standard: { [endpoint.secret]: true }, ringbackHex: true, calldock: null });
  });

  it("during a rotation, both secrets are sealed, each for its own column, and both signatures verify", async () => {
    const { workspace, live } = await tenant();
    const { r, endpoint } = await endpointWith(live);
    const before = await endpointRow(endpoint.id);
    const res = await call(`/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, { method: "POST", headers: bearer(live.key) });
    expect(res.status).toBe(200);
    const rotated = RotatedSecret.parse(await res.json());

    const row = await endpointRow(endpoint.id);
    for (const stored of [row.secret, row.previousSecret!]) {
      expect(stored).toMatch(/^enc:v1:/);
      expect(stored).not.toContain(endpoint.secret.slice(6, 20));
      expect(stored).not.toContain(rotated.secret.slice(6, 20));
    }
    // Moved to previous_secret by sealing it again for that column, not by copying the stored value.
    expect(row.previousSecret).not.toBe(before.secret);
    expect(await keyring().open(row.secret, secretOf(endpoint.id))).toBe(rotated.secret);
    expect(await keyring().open(row.previousSecret!, previousOf(endpoint.id))).toBe(endpoint.secret);

    await r.configure({ secrets: [endpoint.secret, rotated.secret], hexSecret: rotated.secret });
    await deliver({ workspaceId: workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);
    const [request] = await r.requests();
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(request!.verdicts).toEqual({ standard: { [endpoint.secret]: true, [rotated.secret]: true }, ringbackHex: true, calldock: null });
  });
});

describe("rotating a secret that does not open", () => {
  const unheldKey = () => Keyring.parse(`gone:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`);
  it.each([
    ["sealed under a key SECRETS_KEYS no longer holds", (id: string) => unheldKey().seal(newWebhookSecret(), secretOf(id)), /sealed under key "gone", which SECRETS_KEYS does not hold/],
    ["altered", async (id: string) => (await endpointRow(id)).secret.replace(/.{4}$/, "AAAA"), /does not open under key/],
  ])("rotates when it is %s: only the new secret signs, and the log says why without a secret", async (_name, stored, reason) => {
    const { workspace, live } = await tenant();
    const { r, endpoint } = await endpointWith(live);
    const unopenable = await stored(endpoint.id);
    await db().update(webhookEndpoints).set({ secret: unopenable }).where(eq(webhookEndpoints.id, endpoint.id));

    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    let res: Response;
    try {
      res = await call(`/v1/webhook_endpoints/${endpoint.id}/rotate_secret`, { method: "POST", headers: bearer(live.key) });
      expect(res.status).toBe(200);
      const logged = errors.mock.calls.flat().map(String).join("\n");
      expect(logged).toMatch(reason);
      expect(logged).not.toContain(unopenable.split(":").slice(3).join(":"));
      expect(logged).not.toContain(endpoint.secret);
    } finally {
      errors.mockRestore();
    }
    const rotated = RotatedSecret.parse(await res.json());
    // The old secret signed nothing already: it ends at the rotation, not 24 h later.
    expect(Date.parse(rotated.previous_secret_expires_at)).toBeLessThanOrEqual(Date.now());
    const row = await endpointRow(endpoint.id);
    expect({ previousSecret: row.previousSecret, previousSecretExpiresAt: row.previousSecretExpiresAt }).toEqual({ previousSecret: null, previousSecretExpiresAt: null });
    expect(await keyring().open(row.secret, secretOf(endpoint.id))).toBe(rotated.secret);

    await r.configure({ secrets: [rotated.secret], hexSecret: rotated.secret });
    await deliver({ workspaceId: workspace.id, mode: "live" }, "lead.updated", samplePayloads["lead.updated"]);
    const [request] = await r.requests();
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(request!.verdicts).toEqual({ standard: { [rotated.secret]: true }, ringbackHex: true, calldock: null });
  });
});

describe("plaintext secrets from before sealing", () => {
  it("still sign, the endpoint's two during a rotation and an agent's, and are then sealed under the current key", async () => {
    const { workspace } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const [current, previous, agentSecret] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
    const r = await receiver({ secrets: [current, previous], hexSecret: current });
    const endpointId = newId("webhookEndpoint");
    await db()
      .insert(webhookEndpoints)
      .values({ id: endpointId, ...owner, url: r.url, events: ["lead.updated"], secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(Date.now() + 3_600_000) });
    const agentReceiver = await receiver({ secrets: [agentSecret], hexSecret: agentSecret });
    const agentId = newId("agent");
    await db().insert(agents).values({ id: agentId, ...owner, name: "Agent Smith", phone: "+14155550100", webhookUrl: agentReceiver.url, webhookSecret: agentSecret });

    const verified = { standard: { [current]: true, [previous]: true }, ringbackHex: true, calldock: null };
    await deliver(owner, "lead.updated", samplePayloads["lead.updated"]);
    await deliver(owner, "post_call", postCall(agentId));
    expect((await r.requests()).map((q) => q.verdicts)).toEqual([verified]);
    expect((await agentReceiver.requests()).map((q) => q.verdicts)).toEqual([{ standard: { [agentSecret]: true }, ringbackHex: true, calldock: true }]);

    const report = await resealSecrets(db(), keyring());
    expect(report.key).toBe(keyring().current);
    const row = await endpointRow(endpointId);
    const agent = await agentRow(agentId);
    for (const stored of [row.secret, row.previousSecret!, agent.webhookSecret!]) {
      expect(keyring().isCurrent(stored)).toBe(true);
      expect(stored).not.toMatch(/whsec_/);
    }
    expect(await keyring().open(row.secret, secretOf(endpointId))).toBe(current);
    expect(await keyring().open(row.previousSecret!, previousOf(endpointId))).toBe(previous);
    expect(await keyring().open(agent.webhookSecret!, agentSecretOf(agentId))).toBe(agentSecret);
    expect(report.unreadable.filter((u) => u.id === endpointId || u.id === agentId)).toEqual([]);

    // Sealed, they sign the same.
    await deliver(owner, "lead.updated", samplePayloads["lead.updated"]);
    await deliver(owner, "post_call", postCall(agentId));
    expect((await r.requests()).map((q) => q.verdicts)).toEqual([verified, verified]);
    expect((await agentReceiver.requests()).map((q) => q.verdicts.calldock)).toEqual([true, true]);
  });
});

describe("rotating SECRETS_KEYS", () => {
  it("keeps secrets sealed under the old key readable, and seals new ones under the new key", async () => {
    const { workspace, live } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const { r, endpoint } = await endpointWith(live); // sealed under the run's key
    const rotated = { SECRETS_KEYS: rotatedKeyring() };
    expect(parseEnv({ ...bindings, ...rotated } as Bindings).SECRETS_KEYS.current).toBe("k2");

    await deliver(owner, "lead.updated", samplePayloads["lead.updated"], rotated);
    expect((await r.requests()).map((q) => q.verdicts.standard)).toEqual([{ [endpoint.secret]: true }]);

    // An endpoint made under the rotated keyring is sealed under k2 ...
    const fresh = await receiver();
    const res = await worker.fetch(
      new Request("https://ringback.test/v1/webhook_endpoints", { method: "POST", headers: { ...bearer(live.key), "Content-Type": "application/json" }, body: JSON.stringify({ url: fresh.url }) }),
      { ...bindings, ...rotated } as Bindings,
      createExecutionContext(),
    );
    expect(res.status).toBe(201);
    const made = EndpointWithSecret.parse(await res.json());
    await fresh.configure({ secrets: [made.secret] });
    expect((await endpointRow(made.id)).secret).toMatch(/^enc:v1:k2:/);

    // ... which signs under the rotated keyring, and which a keyring without k2 cannot open.
    await deliver(owner, "lead.updated", samplePayloads["lead.updated"], rotated);
    expect((await fresh.requests()).map((q) => q.verdicts.standard)).toEqual([{ [made.secret]: true }]);
    const deliveries = await deliver(owner, "lead.updated", samplePayloads["lead.updated"]);
    const refused = deliveries.find((d) => d.endpointId === made.id)!;
    // Not sent, and tried again on the schedule: an isolate may not hold the new key yet.
    expect(refused).toMatchObject({ status: "pending", attemptCount: 1 });
    expect(refused.attempts[0]).toMatchObject({ status_code: null, error: unopened });
    expect(logged()).toMatch(/sealed under key "k2", which SECRETS_KEYS does not hold/);
    expect(await fresh.requests()).toHaveLength(1);
    expect(await r.requests()).toHaveLength(3);
  });
});

describe("a sealed value moved to another row or column", () => {
  it("does not open there: that delivery fails and nothing is sent, while the row it came from still signs", async () => {
    const { workspace, live } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    const source = await endpointWith(live);
    const otherRow = await endpointWith(live);
    const otherColumn = await endpointWith(live);
    const agentReceiver = await receiver();
    const agentId = newId("agent");
    await db().insert(agents).values({ id: agentId, ...owner, name: "Agent Smith", phone: "+14155550100", webhookUrl: agentReceiver.url, webhookSecret: "placeholder" });

    const sealed = (await endpointRow(source.endpoint.id)).secret;
    await db().update(webhookEndpoints).set({ secret: sealed }).where(eq(webhookEndpoints.id, otherRow.endpoint.id));
    const ownSealed = (await endpointRow(otherColumn.endpoint.id)).secret;
    await db()
      .update(webhookEndpoints)
      .set({ previousSecret: ownSealed, previousSecretExpiresAt: new Date(Date.now() + 3_600_000) })
      .where(eq(webhookEndpoints.id, otherColumn.endpoint.id));
    await db().update(agents).set({ webhookSecret: sealed }).where(eq(agents.id, agentId));

    const deliveries = [
      ...(await deliver(owner, "lead.updated", samplePayloads["lead.updated"])),
      ...(await deliver(owner, "post_call", postCall(agentId))),
    ];
    const of = (id: string) => deliveries.find((d) => d.endpointId === id || d.agentId === id)!;
    expect(of(source.endpoint.id).status).toBe("succeeded");
    expect((await source.r.requests()).map((q) => q.verdicts.standard)).toEqual([{ [source.endpoint.secret]: true }]);
    for (const [id, column] of [
      [otherRow.endpoint.id, "webhook_endpoints.secret"],
      [otherColumn.endpoint.id, "webhook_endpoints.previous_secret"],
      [agentId, "agents.webhook_secret"],
    ]) {
      expect(of(id!)).toMatchObject({ status: "pending", attemptCount: 1 });
      // The customer's delivery log says what happened; the operator's log says why.
      expect(of(id!).attempts[0]).toMatchObject({ status_code: null, latency_ms: 0, error: unopened });
      expect(logged()).toContain(`${column} of ${id} does not open under key "${keyring().current}": it belongs to another row or column, or was altered`);
    }
    expect(await otherRow.r.requests()).toEqual([]);
    expect(await otherColumn.r.requests()).toEqual([]);
    expect(await agentReceiver.requests()).toEqual([]);
  });
});

describe("SECRETS_KEYS", () => {
  it.each([
    ["missing", undefined, /SECRETS_KEYS: missing: the keyring that seals webhook secrets/],
    ["empty", "", /SECRETS_KEYS: is empty/],
    ["a bare key", btoa("x".repeat(32)), /SECRETS_KEYS: entry 1 is not <key id>:<key>/],
    ["a short key", `k1:${btoa("x".repeat(16))}`, /SECRETS_KEYS: key "k1" is not the base64 of 32 bytes/],
    ["a key id twice", `k1:${btoa("x".repeat(32))},k1:${btoa("y".repeat(32))}`, /SECRETS_KEYS: key id "k1" appears twice/],
  ])("is refused when %s, by name and without repeating a key, in every environment", (_, value, message) => {
    for (const ENVIRONMENT of ["production", "development", "test"]) {
      const env = { ...bindings, ENVIRONMENT, NEON_SQL_ENDPOINT: undefined, NEON_WS_PROXY: undefined, WEBHOOKS_ALLOW_LOOPBACK_HTTP: undefined, SECRETS_KEYS: value } as Bindings;
      expect(() => parseEnv(env)).toThrow(message);
      expect(() => parseEnv(env)).not.toThrow(/eHh4|eXl5/); // base64 of "xxx" and "yyy"
    }
  });

  it("answers 503 without details while it is missing", async () => {
    const { SECRETS_KEYS: _, ...missing } = bindings;
    const res = await worker.fetch(new Request("https://ringback.test/health"), missing as Bindings, createExecutionContext());
    expect(res.status).toBe(503);
    expect(JSON.stringify(await res.json())).not.toMatch(/SECRETS_KEYS|keyring/);
  });

  it("is parsed into a keyring that shows no key", () => {
    const parsed = parseEnv(bindings).SECRETS_KEYS;
    expect(parsed).toBeInstanceOf(Keyring);
    expect(JSON.stringify(parsed)).toBe(JSON.stringify({ current: parsed.current, ids: parsed.ids }));
  });
});
