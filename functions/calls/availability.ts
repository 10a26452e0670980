import type { OnCallAgent } from "../../db/queries/agents-on-call.ts";
import type { Hold } from "../compliance/decide.ts";
import { businessWindow } from "../lib/schedule.ts";
import { isOpen, nextOpen } from "../lib/windows.ts";
import { isoSeconds } from "../lib/zoned-time.ts";

// Which agents may be rung now: switched on, not on a call, and inside their weekly schedule in
// their own zone (else the workspace's). When none may, the callback is held (no_agent_available)
// until the first may: a schedule's next opening, a busy agent's call's likely end, or, when every
// agent is switched off, a look again later (switching one on is not an event the dialler hears).

/** How soon to look again for an agent who is on a call. */
export const busyRecheckMs = 60_000;
/** How soon to look again when every agent is switched off. */
export const offRecheckMs = 15 * 60_000;

const zoneOf = (agent: OnCallAgent, workspaceZone: string | null) => agent.timezone ?? workspaceZone ?? "UTC";

function inSchedule(agent: OnCallAgent, at: Date, workspaceZone: string | null): boolean {
  return agent.schedule === null || isOpen(at, businessWindow(agent.schedule, zoneOf(agent, workspaceZone), []));
}

/** Whether the agent may be rung now. */
export function canRing(agent: OnCallAgent, now: Date, workspaceZone: string | null): boolean {
  return agent.available && !agent.busy && inSchedule(agent, now, workspaceZone);
}

/**
 * The hold for a callback none of whose agents may be rung now, or null if one may (or there is
 * no active agent at all: that attempt is spent, as before, rather than held for ever).
 */
export function agentHold(agents: OnCallAgent[], now: Date, workspaceZone: string | null): Hold | null {
  if (agents.length === 0 || agents.some((agent) => canRing(agent, now, workspaceZone))) return null;
  const next = agents
    .filter((agent) => agent.available)
    .map((agent) => {
      const zone = zoneOf(agent, workspaceZone);
      if (agent.busy) return { at: new Date(now.getTime() + busyRecheckMs), zone, rule: "agents_busy" };
      const opens = agent.schedule ? nextOpen(now, [businessWindow(agent.schedule, zone, [])]) : now;
      return opens && { at: opens, zone, rule: "agent_schedule" };
    })
    .filter((x) => x !== null)
    .sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  const until = next?.at ?? new Date(now.getTime() + offRecheckMs);
  // None comes back: every agent switched off, or only schedules that never open.
  const scheduled = agents.some((agent) => agent.available && agent.schedule !== null);
  return {
    until: isoSeconds(until),
    reason: "no_agent_available",
    rule: next?.rule ?? (scheduled ? "agent_schedule" : "agents_off"),
    citation: null,
    zone: next?.zone ?? workspaceZone ?? "UTC",
    zone_source: "agent",
  };
}
