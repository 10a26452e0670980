import { z } from "zod";
import { Mode } from "./account.ts";
import { InternationalPhone, PhoneFilter, Time, TimeZone, idCursor, listQuery, page } from "./common.ts";

// Leads on the native API.

// The lead, exactly as db/queries/resources.ts leadJson builds it.
export const Lead = z
  .strictObject({
    id: z.string().describe("lead_…"),
    phone: z.string().describe("E.164; the lead's identity (one lead per workspace, mode and phone)"),
    phone_raw: z.string().describe("The phone as last submitted"),
    phone_2: z.string().nullable().describe("A second number, E.164"),
    name: z.string().nullable(),
    email: z.string().nullable(),
    country: z.string().nullable().describe("ISO 3166-1 alpha-2 used to read a national number"),
    timezone: z.string().nullable().describe("IANA; the lead's local time for calling hours"),
    domain_id: z.string().nullable(),
    custom_fields: z.record(z.string(), z.unknown()),
    opted_out: z.boolean().describe("true: the lead asked not to be called"),
    mode: Mode,
    created_at: Time,
    updated_at: Time,
  })
  .meta({ id: "Lead" });

export type Lead = z.infer<typeof Lead>;

export const LeadList = z.object(page(Lead)).meta({ id: "LeadList" });

export const LeadListQuery = listQuery(idCursor("lead"), {
  phone: PhoneFilter.optional(),
  email: z.email().max(320).optional().describe("Matched case-insensitively"),
  name: z.string().min(1).max(200).optional().describe("Leads whose name starts with this, case-insensitively"),
  domain_id: z.string().max(100).optional(),
});

export const UpdateLead = z
  .strictObject({
    name: z.string().min(1).max(200).nullable().optional().describe("null clears it"),
    email: z.email().max(320).nullable().optional().describe("null clears it"),
    phone_2: InternationalPhone.nullable().optional().describe("International format, stored as E.164; null clears it"),
    timezone: TimeZone.nullable().optional().describe("IANA; null clears it"),
    custom_fields: z
      .record(z.string().min(1).max(100), z.unknown())
      .optional()
      .describe("Merged into the lead's fields, one level deep: a key set to null is removed, keys not given are kept"),
    opted_out: z.boolean().optional().describe("true records when the lead opted out (kept if already out); false clears it"),
    phone: z
      .never({ error: "cannot be changed: the phone is the lead's identity; a callback to another number makes another lead" })
      .optional()
      // The document has no "never": the field is shown as what a client might send, read-only.
      .meta({ type: "string", readOnly: true, description: "Refused: the phone is the lead's identity" }),
  })
  .refine((body) => Object.keys(body).length > 0, "give at least one field to change")
  .meta({ id: "UpdateLead" });
