import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, text, uniqueIndex } from "drizzle-orm/pg-core";
import { at, createdAt, optionalRef, updatedAt } from "./columns.ts";
import { domains } from "./domains.ts";
import { ownedTable } from "./owned.ts";

// One lead per workspace, mode and E.164 phone: later submissions update it.
export const leads = ownedTable(
  "leads",
  {
    phone: text("phone").notNull(), // E.164
    phoneRaw: text("phone_raw").notNull(), // as submitted
    phone2: text("phone_2"), // E.164, Brightcall's lc_number_2
    name: text("name"),
    email: text("email"),
    country: text("country"),
    timezone: text("timezone"), // IANA; for quiet hours in the lead's local time
    domainId: optionalRef("domain_id", () => domains.id),
    customFields: jsonb("custom_fields").$type<Record<string, unknown>>().notNull().default({}),
    optedOut: boolean("opted_out").notNull().default(false),
    optedOutAt: at("opted_out_at"),
    // The head of the lead's chain of dial decisions (db/queries/compliance.ts), written by the
    // statement that appends to it, so a record removed from the end of the chain shows too.
    decisionSeq: integer("decision_seq").notNull().default(0),
    decisionHead: text("decision_head"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("leads_phone_idx").on(t.workspaceId, t.mode, t.phone),
    index("leads_list_idx").on(t.workspaceId, t.mode, t.id),
    // GET /v1/leads's filters, each in the list's order (workspace, mode, the filter, then id for
    // the keyset), so a filter that matches nothing reads nothing. The name filter is a prefix:
    // text_pattern_ops lets LIKE 'abc%' be a range whatever the database's collation.
    index("leads_email_idx").on(t.workspaceId, t.mode, sql`lower(${t.email})`, t.id),
    index("leads_name_idx").on(t.workspaceId, t.mode, sql`lower(${t.name}) text_pattern_ops`, t.id),
    // The domain first, so a domain's deletion finds its leads (the reference is set to null);
    // then workspace and mode, so another workspace's domain id matches nothing here.
    index("leads_domain_idx").on(t.domainId, t.workspaceId, t.mode, t.id).where(sql`${t.domainId} IS NOT NULL`),
  ],
);
