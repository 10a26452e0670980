import { index, jsonb, text } from "drizzle-orm/pg-core";
import { createdAt, parentRef } from "./columns.ts";
import { domains } from "./domains.ts";
import { leads } from "./leads.ts";
import { ownedTable } from "./owned.ts";

export const formResponses = ownedTable(
  "form_responses",
  {
    domainId: parentRef("domain_id", () => domains.id),
    leadId: parentRef("lead_id", () => leads.id),
    formType: text("form_type"),
    formData: jsonb("form_data").$type<Record<string, unknown>>().notNull(),
    sourceUrl: text("source_url"),
    userAgent: text("user_agent"),
    ipAddress: text("ip_address"),
    // sha256 of domain, phone and form data: an identical submission within minutes is not
    // allowed to schedule a second callback.
    fingerprint: text("fingerprint").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("form_responses_fingerprint_idx").on(t.workspaceId, t.mode, t.fingerprint, t.createdAt),
    // The reference first (a lead's or a domain's deletion cascades here), then the list's order:
    // GET /v1/form_responses?lead_id= and ?domain_id=, where another workspace's id reads nothing.
    index("form_responses_lead_idx").on(t.leadId, t.workspaceId, t.mode, t.id),
    index("form_responses_domain_idx").on(t.domainId, t.workspaceId, t.mode, t.id),
    index("form_responses_list_idx").on(t.workspaceId, t.mode, t.id),
  ],
);
