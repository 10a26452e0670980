import type { BuildExtraConfigColumns } from "drizzle-orm";
import { type PgColumnBuilderBase, type PgTableExtraConfigValue, pgTable, text } from "drizzle-orm/pg-core";
import { mode, parentRef } from "./columns.ts";
import { workspaces } from "./workspaces.ts";

/** The workspace and mode a row belongs to: every query of a keyed route filters on both. */
export const owned = () => ({
  workspaceId: parentRef("workspace_id", () => workspaces.id),
  mode: mode("mode").notNull(),
});

const ownedColumns = () => ({ id: text("id").primaryKey(), ...owned() });
type OwnedColumns = ReturnType<typeof ownedColumns>;

/**
 * A table of rows keyed by a prefixed id (schemas/ids.ts: cb_…, lead_…) that each belong to one
 * workspace and mode: id, workspace_id and mode come first, then `columns`.
 */
export function ownedTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
  extra?: (self: BuildExtraConfigColumns<TName, OwnedColumns & TColumns, "pg">) => PgTableExtraConfigValue[],
) {
  return pgTable<TName, OwnedColumns & TColumns>(name, { ...ownedColumns(), ...columns }, extra);
}
