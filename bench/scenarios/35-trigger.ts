// Trigger time: from an intake request being accepted (its 201 received) to a fake Twilio on
// loopback receiving the create-call request. LimeCall's page claims under 500 ms. The dialler
// runs as in production: intake queues the callback on `calls`, whose consumer dials it.
import { eq, inArray } from "drizzle-orm";
import { createServer } from "node:http";
import { addDomain, createWorkspace } from "../../admin/commands.ts";
import * as schema from "../../db/schema/index.ts";
import { freePort } from "../../dev/postgres.ts";
import { startBench } from "../harness.ts";
import { median, ms, percentile, timed, times, type Scenario } from "../scenario.ts";

const sid = `AC${"0".repeat(32)}`;

export const scenario: Scenario = {
  name: "trigger",
  title: "Trigger time: intake accepted → Twilio's create-call",
  async run({ quick, log }) {
    const count = quick ? 50 : 500;
    const warmup = 20;
    // The fake Twilio: notes when each create-call request arrives, keyed by the call attempt it is for.
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
    }).catch((err: unknown) => {
      twilio.close();
      throw err;
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
      await db.update(schema.domains).set({ businessHours: allWeek, dailyAttemptCap: 5 }).where(eq(schema.domains.id, domain.id));

      const accepted = new Map<string, number>(); // callback id → when its 201 arrived
      const started = new Map<string, number>();
      const health: number[] = [];
      for (let i = 0; i < warmup + count; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}/v1/callbacks`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${made.keys.live.key}` },
          // A one-off agent (agent_phone) is always free: a workspace's agent would stay on its
          // first call, since the fake Twilio never reports a call's end.
          body: JSON.stringify({ phone: `+1415556${String(1000 + i).padStart(4, "0")}`, domain_id: domain.id, agent_phone: "+14155550100" }),
        });
        const body = (await res.json()) as { id: string };
        if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${JSON.stringify(body)}`);
        if (i >= warmup) {
          accepted.set(body.id, performance.now());
          started.set(body.id, t0);
          health.push(await timed(() => fetch(`${base}/health`), 200));
        }
      }
      // Every callback's attempt has reached the fake Twilio, or 30 s have passed.
      const ids = [...accepted.keys()];
      const attemptsOf = () =>
        db.select({ id: schema.callAttempts.id, callbackId: schema.callAttempts.callbackId }).from(schema.callAttempts).where(inArray(schema.callAttempts.callbackId, ids));
      let attempts = await attemptsOf();
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && attempts.filter((a) => arrivals.has(a.id)).length < count) {
        await new Promise((r) => setTimeout(r, 250));
        attempts = await attemptsOf();
      }
      const fromAccepted: number[] = [];
      const fromSent: number[] = [];
      for (const a of attempts) {
        const at = arrivals.get(a.id);
        if (at === undefined) continue;
        fromAccepted.push(at - accepted.get(a.callbackId)!);
        fromSent.push(at - started.get(a.callbackId)!);
      }
      log(`${fromAccepted.length} of ${count} reached the fake Twilio; p50 ${ms(median(fromAccepted))} ms`);
      // Where the others are, if any did not arrive: held (and why), or not yet claimed.
      const { rows: states } = await db.$client.query<{ status: string; reason: string | null; n: number }>(
        "SELECT status, hold->>'reason' AS reason, count(*)::int AS n FROM callbacks WHERE id = ANY($1) GROUP BY 1, 2 ORDER BY 3 DESC",
        [ids],
      );
      const missing = fromAccepted.length < count ? `Callbacks by status: ${states.map((s) => `${s.status}${s.reason ? ` (${s.reason})` : ""} ${s.n}`).join(", ")}.` : "";
      return [
        "Command: `npm run bench -- --only trigger` (`bench/scenarios/35-trigger.ts`). The Worker under `wrangler dev`,",
        `the dialler on, a one-off agent (\`agent_phone\`); ${count} \`POST /v1/callbacks\` one after another (after ${warmup} to warm up), each due now;`,
        "a fake Twilio on loopback notes when each create-call request arrives. A `GET /health` is timed after each.",
        `${fromAccepted.length} of ${count} callbacks reached the fake Twilio. ${missing}`,
        "",
        "| from | p50 (ms) | p99 (ms) | p50 / health |",
        "|---|---|---|---|",
        `| intake's 201 received → create-call received | ${ms(median(fromAccepted))} | ${ms(percentile(fromAccepted, 99))} | ${times(median(fromAccepted) / median(health))} |`,
        `| intake request sent → create-call received | ${ms(median(fromSent))} | ${ms(percentile(fromSent, 99))} | ${times(median(fromSent) / median(health))} |`,
        `| GET /health, same run | ${ms(median(health))} | ${ms(percentile(health, 99))} | |`,
      ].join("\n");
    } finally {
      await bench.stop();
      twilio.close();
    }
  },
};
