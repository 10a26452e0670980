import { text } from "drizzle-orm/pg-core";
import { mode } from "./columns.ts";
import { workspaces } from "./workspaces.ts";

export const owned = () => ({
  workspaceId: text("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  mode: mode("mode").notNull(),
});
