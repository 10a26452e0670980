import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { dialCallback } from "../../functions/calls/dial.ts";
import { agents, callbacks } from "../../db/schema/index.ts";
import { db, json, call, makeDomain, tenant, testEnv, zoneAtHour } from "./fixtures.ts";
import { newId } from "../../schemas/ids.ts";

const allWeek = Object.fromEntries(["1", "2", "3", "4", "5", "6", "7"].map((d) => [d, [["00:00", "24:00"]] as [string, string][]]));

/** A test-mode workspace whose domain is open all week, with `agentCount` active agents. */
export async function callCentre(agentCount = 1, domainSettings = {}) {
  const t = await tenant("Call centre", { requestsPerHour: 10_000, callbacksPerPhonePerHour: 1_000 });
  // The sandbox's numbers say nothing of where the lead is, so the domain's zone is the lead's.
  const zone = zoneAtHour(12);
  const domain = await makeDomain(t.workspace.id, "test", { timezone: zone, businessHours: allWeek, ...domainSettings });
  const agentIds: string[] = [];
  for (let i = 0; i < agentCount; i++) {
    const id = newId("agent");
    await db().insert(agents).values({ id, workspaceId: t.workspace.id, mode: "test", name: `Agent ${i + 1}`, phone: `+1415555010${i}`, department: "Sales" });
    agentIds.push(id);
  }
  return { ...t, domain, zone, agentIds };
}

/** A callback for `phone` through the native API, scheduled now, not yet dialled. */
export async function newCallback(key: string, domainId: string, phone: string, extra: Record<string, unknown> = {}) {
  const res = await call("/v1/callbacks", json(key, { phone, domain_id: domainId, name: "Lee Lead", ...extra }));
  if (res.status !== 201) throw new Error(`callback not created: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Dials a callback and waits for everything the call set off (the sandbox's whole call). */
export async function dial(callbackId: string) {
  const ctx = createExecutionContext();
  const outcome = await dialCallback(testEnv(), ctx, callbackId);
  await waitOnExecutionContext(ctx);
  return outcome;
}

/** Makes a waiting callback due now, as time passing would. */
export async function makeDue(callbackId: string) {
  await db().update(callbacks).set({ nextAttemptAt: sql`now() - interval '1 second'` }).where(eq(callbacks.id, callbackId));
}

export async function callbackRow(id: string) {
  const [row] = await db().select().from(callbacks).where(eq(callbacks.id, id));
  return row!;
}
