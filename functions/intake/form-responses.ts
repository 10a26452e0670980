import { sandboxTestKeysOnly } from "../lib/browser.ts";
import { callmeback } from "../routes/kinds/callmeback.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { FormResponseCreated, FormResponseRequest } from "../../schemas/callmeback.ts";
import { acceptIntake } from "./accept.ts";

export const formResponses = defineRoute(callmeback, {
  method: "post",
  path: "/api/v1/form_responses",
  summary: "Submit a form response (CallMeBack)",
  description:
    "Seed 000. Stores the response, creates or updates the lead (one per E.164 phone), and schedules a callback " +
    "when the domain's auto-callback setting is on. An identical submission (same domain, phone and form data) " +
    "within 10 minutes is stored but schedules no second callback; so does one over the phone's hourly callback " +
    "limit. Secret or publishable keys (Authorization: Bearer); on a sandbox. host, test keys only. " +
    "Unknown domain_id, including another workspace's: 404.",
  tags: ["intake"],
  request: { body: jsonBody(FormResponseRequest) },
  responses: { 201: jsonResponse("Created", FormResponseCreated) },
  scope: "intake:write", guards: [sandboxTestKeysOnly()], rateLimit: "deferred", idempotencyClaim: "in-write",
  errors: { 404: "Unknown domain" },
}, async (c) => {
  const { form_response: fr } = c.req.valid("json");
  const { name, email, phone, message: _message, ...extra } = fr.form_data;
  const accepted = await acceptIntake(c, {
    domainId: fr.domain_id,
    agentId: null,
    phone: { raw: phone, field: "form_response.form_data.phone" },
    lead: { name: name ?? null, email: email ?? null, timezone: null, customFields: extra },
    formResponse: {
      formType: fr.form_type ?? null,
      formData: fr.form_data,
      sourceUrl: fr.source_url || null,
      userAgent: fr.user_agent || null,
      ipAddress: fr.ip_address || null,
    },
    callback: {
      source: "form_response",
      agentOverride: null,
      scheduledAt: null,
      timezone: null,
      metadata: {},
      maxAttempts: null,
      retryIntervalsSeconds: null,
      onlyIfDomainAutoCallback: true,
    },
    consent: { record: fr.consent ?? null, field: "form_response.consent" },
    phoneLimit: "skip-callback",
    fingerprintOf: fr.form_data,
  });
  // Parsed, so a response or lead missing here is a 500, never a 201 without them.
  return c.json(
    FormResponseCreated.parse({
      id: accepted.formResponse?.id,
      status: "created",
      lead_id: accepted.lead?.id,
      callback_scheduled: accepted.callbackScheduled,
      created_at: accepted.formResponse?.created_at,
    }),
    201,
  );
});
