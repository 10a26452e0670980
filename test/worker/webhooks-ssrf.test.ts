import { describe, expect, it, inject } from "vitest";
import { webhookEndpoints } from "../../db/schema/index.ts";
import { parseEnv, type Bindings } from "../../functions/env.ts";
import { newId } from "../../schemas/ids.ts";
import { Problem } from "../../schemas/problem.ts";
import "../setup/webhook-types.ts";
import { bearer, call, db, tenant } from "./fixtures.ts";
import { agentWithWebhook, bindings, deliveriesOf, insertEvent, postCall, receiver, recordingQueue, runQueue } from "./webhooks-helpers.ts";

// Every URL here is refused, with the loopback setting on as it is in these tests. The loopback
// ones point at a live receiver, so a check that let one through would be seen there.
const port = inject("webhookLab").port;
const trap = "ssrftrap";
const badUrls = [
  "http://hooks.example.com/",
  "https://hooks.example.com:8443/",
  "ftp://hooks.example.com/",
  "javascript:alert(1)",
  "not a url",
  "https://user:pass@hooks.example.com/",
  "https://user@hooks.example.com/",
  "https://@hooks.example.com/",
  "https://hooks.example.com\\@evil.example/",
  "https://hooks .example.com/",
  "https://localhost/",
  "https://LOCALHOST./",
  "https://api.localhost/",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://db.internal./",
  "https://printer.local/",
  "https://intranet/",
  "https://127.0.0.2/",
  `http://localhost:${port}/r/${trap}`,
  `http://2130706433:${port}/r/${trap}`,
  `http://0x7f000001:${port}/r/${trap}`,
  `http://0177.0.0.1:${port}/r/${trap}`,
  `http://127.1:${port}/r/${trap}`,
  `http://127.000.000.001:${port}/r/${trap}`,
  `http://[::ffff:127.0.0.1]:${port}/r/${trap}`,
  `http://[::ffff:7f00:1]:${port}/r/${trap}`,
  `https://127.0.0.1:${port}/r/${trap}`.replace("127.0.0.1", "0x7f.0.0.1"),
  "https://0.0.0.0/",
  "https://0/",
  "https://10.0.0.1/",
  "https://172.16.5.4/",
  "https://192.168.1.1/",
  "https://100.64.0.1/",
  "https://100.100.100.200/",
  "https://169.254.169.254/latest/meta-data/",
  "https://0xa9.0xfe.0xa9.0xfe/",
  "https://2852039166/",
  "https://192.0.0.192/",
  "https://168.63.129.16/",
  "https://224.0.0.1/",
  "https://255.255.255.255/",
  "https://[0:0:0:0:0:0:0:1]/",
  "https://[::]/",
  "https://[fe80::1]/",
  "https://[fd00:ec2::254]/",
  "https://[fc00::1]/",
  "https://[::ffff:169.254.169.254]/",
  "https://[::ffff:a9fe:a9fe]/",
  "https://[64:ff9b::a9fe:a9fe]/",
  "https://[2002:a9fe:a9fe::]/",
  "https://[::10.0.0.1]/",
  // IPv4-translated (::ffff:0:0/96), ISATAP, and the rest of ::/8
  "https://[::ffff:0:7f00:1]/",
  "https://[::ffff:0:a9fe:a9fe]/",
  `http://[::ffff:0:7f00:1]:${port}/r/${trap}`,
  "https://[::ffff:0:169.254.169.254]/",
  "https://[2606:4700::5efe:a9fe:a9fe]/",
  "https://[::1:0:0:a9fe:a9fe]/",
];

const goodUrls = [
  "https://hooks.example.com/ringback?x=1",
  "https://hooks.example.com:443/",
  "https://1.1.1.1/hook",
  "https://[2606:4700:4700::1111]/hook",
  "https://xn--bcher-kva.example/",
  `http://127.0.0.1:${port}/r/fine`,
  `http://[::1]:${port}/r/fine`,
];

describe("SSRF: registration", () => {
  it(`refuses all ${badUrls.length} bad URLs with a 422 on url, and sends them nothing`, async () => {
    expect(badUrls.length).toBeGreaterThanOrEqual(30);
    const { live } = await tenant();
    const trapped = await receiver();
    for (const url of badUrls) {
      const res = await call("/v1/webhook_endpoints", { method: "POST", headers: { ...bearer(live.key), "Content-Type": "application/json" }, body: JSON.stringify({ url }) });
      expect(res.status, url).toBe(422);
      const problem = Problem.parse(await res.json());
      expect(problem.errors?.[0]?.path, url).toBe("url");
    }
    const listed = (await (await call("/v1/webhook_endpoints", { headers: bearer(live.key) })).json()) as { data: unknown[] };
    expect(listed.data).toEqual([]);
    expect(trapped.name).not.toBe(trap);
    expect(await (await receiverNamed(trap)).requests()).toEqual([]);
  });

  it.each(goodUrls)("accepts %s", async (url) => {
    const { live } = await tenant();
    const res = await call("/v1/webhook_endpoints", { method: "POST", headers: { ...bearer(live.key), "Content-Type": "application/json" }, body: JSON.stringify({ url }) });
    expect(res.status).toBe(201);
  });
});

describe("SSRF: delivery", () => {
  it("checks again before sending: endpoints and agents with bad URLs fail with 0 outbound requests", async () => {
    const { workspace } = await tenant();
    const owner = { workspaceId: workspace.id, mode: "live" as const };
    // Rows written behind the API's back, as an old rule or a direct database edit could leave them.
    await db()
      .insert(webhookEndpoints)
      .values(badUrls.map((url) => ({ id: newId("webhookEndpoint"), ...owner, url, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })));
    const agent = await agentWithWebhook(workspace.id, `http://2130706433:${port}/r/${trap}`, "your-webhook-secret");
    const control = await receiver();
    await db().insert(webhookEndpoints).values({ id: newId("webhookEndpoint"), ...owner, url: control.url, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });
    const event = await insertEvent(owner, "post_call", postCall(agent.id));

    await runQueue("webhooks", [{ event_id: event.id }], { bindings: { WEBHOOKS: recordingQueue().queue } });
    // The good endpoint got its request; the loopback spellings, all aimed at a live receiver, got none.
    expect(await control.requests()).toHaveLength(1);
    expect(await (await receiverNamed(trap)).requests()).toEqual([]);

    const deliveries = await deliveriesOf(event.id);
    expect(deliveries).toHaveLength(badUrls.length + 2);
    const refused = deliveries.filter((d) => d.status === "failed");
    expect(refused).toHaveLength(badUrls.length + 1);
    // Refused before any request was made: no status, no time on the wire, and the rule that refused it.
    for (const d of refused) expect(d.attempts[0]).toMatchObject({ status_code: null, latency_ms: 0, response_body: null, error: expect.stringMatching(/^refused to send: the URL /) });
  });
});

describe("the loopback setting", () => {
  it("is refused in production", () => {
    const production = { ...bindings, ENVIRONMENT: "production", NEON_SQL_ENDPOINT: undefined, NEON_WS_PROXY: undefined } as Bindings;
    expect(() => parseEnv(production)).toThrow(/WEBHOOKS_ALLOW_LOOPBACK_HTTP/);
    expect(parseEnv({ ...production, WEBHOOKS_ALLOW_LOOPBACK_HTTP: undefined } as Bindings).WEBHOOKS_ALLOW_LOOPBACK_HTTP).toBe(false);
  });

  it("is what lets a loopback receiver be registered", async () => {
    const { live } = await tenant();
    const env = { ...bindings, WEBHOOKS_ALLOW_LOOPBACK_HTTP: "false" } as Bindings;
    const { default: worker } = await import("../../functions/index.ts");
    const { createExecutionContext } = await import("cloudflare:test");
    const res = await worker.fetch(
      new Request("https://ringback.test/v1/webhook_endpoints", { method: "POST", headers: { ...bearer(live.key), "Content-Type": "application/json" }, body: JSON.stringify({ url: `http://127.0.0.1:${port}/r/x` }) }),
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(422);
  });
});

async function receiverNamed(name: string) {
  const control = `${inject("webhookLab").url}/control/receivers/${name}`;
  return { requests: async () => ((await (await fetch(control)).json()) as { requests: unknown[] }).requests };
}


