import { and, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { domains } from "../schema/index.ts";

type Owner = { workspaceId: string; mode: "live" | "test" };

/** The caller's domain with this id, or null (also for another workspace's or mode's domain). */
export async function findDomain(db: Db, owner: Owner, id: string) {
  const [row] = await db
    .select()
    .from(domains)
    .where(and(eq(domains.id, id), eq(domains.workspaceId, owner.workspaceId), eq(domains.mode, owner.mode)));
  return row ?? null;
}

/** The domain with this public widget key, in any workspace (Brightcall links carry only it). */
export async function findDomainByWidgetKey(db: Db, widgetKey: string) {
  const [row] = await db.select().from(domains).where(eq(domains.widgetKey, widgetKey));
  return row ?? null;
}
