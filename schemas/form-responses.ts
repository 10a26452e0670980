import { z } from "zod";
import { Mode } from "./account.ts";
import { OffsetTime, idCursor, listQuery, page } from "./common.ts";
import { FormResponse } from "./event-payloads.ts";

// Stored CallMeBack form responses on the native API: what the intake stored (the same object its
// form_response.created event carries), with the callback it scheduled, if any.

// As db/queries/form-responses.ts storedFormResponseJson builds it.
export const StoredFormResponse = FormResponse.extend({
  callback_id: z.string().nullable().describe("cb_… of the callback this response scheduled; null when it scheduled none"),
  mode: Mode,
}).meta({ id: "StoredFormResponse" });

export type StoredFormResponse = z.infer<typeof StoredFormResponse>;

export const StoredFormResponseList = z.object(page(StoredFormResponse)).meta({ id: "StoredFormResponseList" });

export const FormResponseListQuery = listQuery(idCursor("formResponse"), {
  lead_id: z.string().max(100).optional(),
  domain_id: z.string().max(100).optional(),
  created_after: OffsetTime.optional().describe("Only responses stored strictly after this time"),
  created_before: OffsetTime.optional().describe("Only responses stored strictly before this time"),
});
