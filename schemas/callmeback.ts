import { z } from "zod";
import { ConsentInput } from "./compliance.ts";

// Seed 000 (CallMeBack): POST /api/v1/form_responses. Field names and error bodies are the
// seed's; where it is silent the choices are described on each field.

const optionalText = (max: number) => z.string().max(max).nullish();

export const FormResponseRequest = z
  .object({
    form_response: z
      .object({
        domain_id: z.string().min(1).max(100).describe("The domain's id (dom_…), shown by the admin CLI"),
        form_data: z
          .object({
            name: optionalText(200),
            email: z.email().max(320).nullish(),
            phone: z.string().min(1).max(40).describe("E.164 (+14155550100), or national if the domain has a country"),
            message: optionalText(5000),
          })
          .catchall(z.unknown())
          .describe("name, email, phone and message, plus any extra fields, which are kept on the lead"),
        form_type: optionalText(100),
        source_url: optionalText(2048),
        user_agent: optionalText(1024),
        ip_address: z.union([z.literal(""), z.ipv4(), z.ipv6()]).nullish(),
        consent: ConsentInput.optional(),
      })
      .strict(),
  })
  .strict()
  .meta({ id: "CallMeBackFormResponseRequest" });

export const FormResponseCreated = z
  .object({
    id: z.string().describe("fr_…"),
    status: z.literal("created"),
    lead_id: z.string(),
    callback_scheduled: z
      .boolean()
      .describe(
        "True when a callback was scheduled: the domain has auto-callback on, no identical submission " +
          "scheduled one in the last 10 minutes, and the phone is under its hourly callback limit",
      ),
    created_at: z.iso.datetime().describe("ISO 8601, UTC"),
  })
  .meta({ id: "CallMeBackFormResponseCreated" });

export const CallMeBackError = z
  .object({
    error: z.string(),
    details: z.record(z.string(), z.array(z.string())).optional(),
    retry_after: z.number().int().optional(),
  })
  .meta({ id: "CallMeBackError" });
