import { mode, parentRef } from "./columns.ts";
import { workspaces } from "./workspaces.ts";

export const owned = () => ({
  workspaceId: parentRef("workspace_id", () => workspaces.id),
  mode: mode("mode").notNull(),
});
