// The lawful-calling decision alone (functions/compliance/decide.ts): no I/O, so its cost is CPU
// in the Worker before each intake's write and each dial. Timed in this Node process: there is
// no request to set it beside.
import { type Facts, schedule } from "../../functions/compliance/decide.ts";
import { percentile, type Scenario } from "../scenario.ts";

const weekdays = Object.fromEntries(["1", "2", "3", "4", "5"].map((d) => [d, [["09:00", "17:00"]] as [string, string][]]));
const facts = (phone: string, explicitZone: string | null = null): Facts => ({
  phone,
  explicitZone,
  homeZones: { domain: "America/New_York", workspace: null },
  business: { timezone: "America/New_York", hours: weekdays, holidays: [] },
  callingHours: { source: "domain", hours: { start: "08:00", end: "21:00" } },
  workspaceCallingHours: null,
  dailyCap: { source: "domain", calls: 3 },
  recentAttempts: [],
  notBefore: null,
});

const cases: [string, Facts, string][] = [
  ["Florida number, open now", facts("+13055550123"), "2026-12-01T15:00:00Z"],
  ["Florida number, held over a weekend", facts("+13055550123"), "2026-12-04T23:30:00Z"],
  ["Alabama number on a Sunday (a ban)", facts("+12055550123"), "2026-12-06T16:00:00Z"],
  ["Florida number, lead in Los Angeles (two zones)", facts("+13055550123", "America/Los_Angeles"), "2026-12-02T14:00:00Z"],
  ["French number on a Saturday", facts("+33123456789"), "2026-12-05T12:00:00Z"],
];

export const scenario: Scenario = {
  name: "decide",
  title: "The lawful-calling decision alone",
  async run({ quick }) {
    const runs = quick ? 500 : 2000;
    const rows = cases.map(([label, input, at]) => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        schedule(input, new Date(at));
        times.push(performance.now() - started);
      }
      return `| ${label} | ${percentile(times, 50).toFixed(3)} | ${percentile(times, 99).toFixed(3)} |`;
    });
    return [`\`schedule()\` in this Node process, ${runs} runs per case, ms (CPU only: no I/O):`, "", "| case | p50 | p99 |", "|---|---|---|", ...rows].join("\n");
  },
};
