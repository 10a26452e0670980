// Trigger benchmark: from an intake request being accepted (its 201 received) to a fake Twilio
// on loopback receiving the create-call request, over many callbacks. LimeCall's page claims
// under 500 ms. Run: npm run bench:trigger [-- <callbacks>]
import { createServer } from "node:http";
import { addAgent, addDomain, createWorkspace } from "../admin/commands.ts";
import { freePort } from "../dev/postgres.ts";
import * as schema from "../db/schema/index.ts";
import { percentile, startBench } from "./harness.ts";

const count = Number(process.argv[2] ?? 500);
const sid = `AC${"0".repeat(32)}`;

// The fake Twilio: notes when each create-call request arrives, keyed by the lead it is for.
const arrivals = new Map<string, number>();
const twilioPort = await freePort();
const twilio = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const at = performance.now();
    const attempt = new URL(new URLSearchParams(body).get("Url") ?? "http://x/").searchParams.get("attempt");
    if (attempt) arrivals.set(attempt, at);
    res.writeHead(201, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ sid: `CA${crypto.randomUUID().replaceAll("-", "")}`, status: "queued" }));
  });
});
await new Promise<void>((resolve) => twilio.listen(twilioPort, "127.0.0.1", resolve));

const bench = await startBench({
  DIALLER_ENABLED: "true",
  PUBLIC_URL: "http://127.0.0.1:9",
  TWILIO_ACCOUNT_SID: sid,
  TWILIO_AUTH_TOKEN: "bench-token",
  TWILIO_CALLER_ID: "+14155550199",
  TWILIO_API_BASE: `http://127.0.0.1:${twilioPort}`,
});

try {
  const { base, db } = bench;
  const made = await createWorkspace(db, { name: "Bench", plan: "enterprise" });
  const owner = { workspaceId: made.workspace.id, mode: "live" as const };
  // Open all week, in a zone where it is midday now, so every callback is due at once.
  const offset = 12 - new Date().getUTCHours();
  const zone = offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
  const domain = await addDomain(db, { ...owner, name: "bench.example", timezone: zone });
  const allWeek = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [["00:00", "24:00"]] as [string, string][]]));
  const { eq } = await import("drizzle-orm");
  await db.update(schema.domains).set({ businessHours: allWeek, dailyAttemptCap: 5 }).where(eq(schema.domains.id, domain.id));
  await addAgent(db, { ...owner, name: "Bench Agent", phone: "+14155550100" });

  const accepted = new Map<string, number>(); // callback id → when its 201 arrived
  const started = new Map<string, number>();
  for (let i = 0; i < count + 20; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/v1/callbacks`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${made.keys.live.key}` },
      body: JSON.stringify({ phone: `+1415556${String(1000 + i).padStart(4, "0")}`, domain_id: domain.id }),
    });
    const body = (await res.json()) as { id: string };
    if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${JSON.stringify(body)}`);
    if (i >= 20) {
      accepted.set(body.id, performance.now());
      started.set(body.id, t0);
    }
  }
  await new Promise((r) => setTimeout(r, 2000));

  const { inArray } = await import("drizzle-orm");
  const attempts = await db
    .select({ id: schema.callAttempts.id, callbackId: schema.callAttempts.callbackId })
    .from(schema.callAttempts)
    .where(inArray(schema.callAttempts.callbackId, [...accepted.keys()]));
  const fromAccepted: number[] = [];
  const fromSent: number[] = [];
  for (const a of attempts) {
    const at = arrivals.get(a.id);
    if (at === undefined) continue;
    fromAccepted.push(at - accepted.get(a.callbackId)!);
    fromSent.push(at - started.get(a.callbackId)!);
  }
  console.log(`\n${fromAccepted.length} of ${count} callbacks reached the fake Twilio`);
  console.log("| from | p50 ms | p99 ms |\n|---|---|---|");
  console.log(`| intake response received → create-call received | ${percentile(fromAccepted, 50).toFixed(1)} | ${percentile(fromAccepted, 99).toFixed(1)} |`);
  console.log(`| intake request sent → create-call received | ${percentile(fromSent, 50).toFixed(1)} | ${percentile(fromSent, 99).toFixed(1)} |`);
} finally {
  await bench.stop();
  twilio.close();
}
