import { boolean, index, text } from "drizzle-orm/pg-core";
import { createdAt, parentRef } from "./columns.ts";
import { leads } from "./leads.ts";
import { ownedTable } from "./owned.ts";

// What a lead agreed to, as the form showed it: the text verbatim with its sha256, its version,
// whether the box was ticked, the page; and what Ringback saw when it arrived (time, IP address,
// user agent). Rows are only ever added.
export const consents = ownedTable(
  "consents",
  {
    leadId: parentRef("lead_id", () => leads.id),
    source: text("source").notNull(), // form_response, add_call_api, api
    sourceId: text("source_id"), // the form response or callback it came with
    text: text("text").notNull(),
    textSha256: text("text_sha256").notNull(),
    version: text("version"),
    checked: boolean("checked").notNull(),
    pageUrl: text("page_url"),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
  },
  (t) => [
    index("consents_lead_idx").on(t.leadId, t.createdAt),
    // A workspace's deletion cascades here; every other owned table leads an index with it.
    index("consents_workspace_idx").on(t.workspaceId),
  ],
);
