// Isolation benchmark: how long a healthy endpoint's events take to arrive while another
// workspace's endpoint hangs for a minute and a third's answers 500 to everything, beside the same
// load with neither, in one run. The Worker runs under `wrangler dev` with its real local queues
// and the production consumers; the fast lane's deadline is its default (1 s).
// Run: npm run bench:isolation [-- <intake requests per workspace and phase>]
import { addDomain, createWorkspace } from "../admin/commands.ts";
import { startReceivers } from "../test/setup/webhook-receivers.ts";
import { createEndpoint, percentile, startBench, until } from "./harness.ts";

const requests = Number(process.argv[2] ?? 150);
// The dialler is off: the events are intake's (three per request), nothing else.
const bench = await startBench({ DIALLER_ENABLED: "false", WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true" });
const receivers = await startReceivers();

try {
  const { base, db } = bench;
  const workspace = async (name: string, receiver: string, responses: { status: number; delayMs?: number }[]) => {
    const made = await createWorkspace(db, { name, plan: "enterprise" });
    const domain = await addDomain(db, { workspaceId: made.workspace.id, mode: "live", name: `${name}.example` });
    const key = made.keys.live.key;
    const { secret } = await createEndpoint(base, key, `${receivers.url}/r/${receiver}`);
    receivers.configure(receiver, { secrets: [secret], responses });
    let n = 0;
    return () =>
      fetch(`${base}/api/v1/form_responses`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ form_response: { domain_id: domain.id, form_data: { name: name, phone: `+1415555${String(1000 + (n++ % 9000))}` } } }),
      }).then(async (r) => {
        if (r.status !== 201) throw new Error(`intake: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      });
  };

  /** Intake for each workspace in turn, 20 ms apart; the healthy receiver's arrival times. */
  const phase = async (label: string, healthy: string, others: (() => Promise<void>)[]) => {
    const submit = await workspace(`${label}-healthy`, healthy, []);
    for (let i = 0; i < requests; i++) {
      for (const send of [submit, ...others]) await send();
      await new Promise((r) => setTimeout(r, 20));
    }
    await until(() => receivers.requestsOf(healthy).length >= 3 * requests, 120_000);
    return receivers.requestsOf(healthy).map((r) => r.at - Date.parse((JSON.parse(r.body) as { created_at: string }).created_at));
  };

  const alone = await phase("alone", "alone", []);
  const hanging = await workspace("hanging", "hanging", Array.from({ length: 10_000 }, () => ({ status: 200, delayMs: 60_000 })));
  const failing = await workspace("failing", "failing", Array.from({ length: 10_000 }, () => ({ status: 500 })));
  const beside = await phase("beside", "beside", [hanging, failing]);

  const row = (label: string, xs: number[]) => `| ${label} | ${xs.length} | ${percentile(xs, 50)} | ${percentile(xs, 99)} | ${Math.max(...xs)} |`;
  console.log(`\nwebhook isolation benchmark: ${requests} intake requests per workspace and phase, 3 events each`);
  console.log("| healthy endpoint's events, created → delivered | events | p50 (ms) | p99 (ms) | max (ms) |\n|---|---|---|---|---|");
  console.log(row("alone", alone));
  console.log(row("beside a hanging and a failing endpoint", beside));
  console.log(`ratios beside / alone: p50 ${(percentile(beside, 50) / percentile(alone, 50)).toFixed(2)}, p99 ${(percentile(beside, 99) / percentile(alone, 99)).toFixed(2)}`);
  console.log(`hanging endpoint: ${receivers.requestsOf("hanging").length} requests received for ${3 * requests} events; failing endpoint: ${receivers.requestsOf("failing").length} requests for ${3 * requests} events`);
} finally {
  await receivers.close();
  await bench.stop();
}
