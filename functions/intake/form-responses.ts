import type { App } from "../context.ts";
import { requireKey } from "../lib/auth.ts";
import { jsonBody, limitBody } from "../lib/body.ts";
import { browserCors, sandboxTestKeysOnly } from "../lib/browser.ts";
import { dialect } from "../lib/dialect.ts";
import { idempotent } from "../lib/idempotency.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { CallMeBackError, FormResponseCreated, FormResponseRequest } from "../../schemas/callmeback.ts";
import { acceptIntake } from "./accept.ts";
import { renderCallMeBack } from "./callmeback-errors.ts";

const path = "/api/v1/form_responses";

export function registerFormResponses(app: App) {
  describeRoute({
    method: "post",
    path,
    summary: "Submit a form response (CallMeBack)",
    description:
      "Seed 000. Stores the response, creates or updates the lead (one per E.164 phone), and schedules a callback " +
      "when the domain's auto-callback setting is on. An identical submission (same domain, phone and form data) " +
      "within 10 minutes is stored but schedules no second callback; so does one over the phone's hourly callback " +
      "limit. Secret or publishable keys (Authorization: Bearer); on a sandbox. host, test keys only. " +
      "Unknown domain_id, including another workspace's: 404.",
    tags: ["intake"],
    auth: "key",
    body: FormResponseRequest,
    responses: {
      201: { description: "Created", schema: FormResponseCreated },
      401: { description: "Invalid API key", schema: CallMeBackError },
      404: { description: "Unknown domain", schema: CallMeBackError },
      422: { description: "Validation failed, listing every bad field", schema: CallMeBackError },
      429: { description: "Rate limit exceeded", schema: CallMeBackError },
    },
  });

  app.use(path, dialect(renderCallMeBack), browserCors(["POST"]));
  app.post(
    path,
    limitBody(),
    requireKey({ kinds: ["secret", "publishable"], scope: "intake:write" }),
    sandboxTestKeysOnly(),
    rateLimit({ deferred: true }),
    jsonBody(),
    idempotent(),
    validate("json", FormResponseRequest),
    async (c) => {
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
      const created = accepted.formResponse!;
      return c.json(
        FormResponseCreated.parse({
          id: created.id,
          status: "created",
          lead_id: accepted.lead!.id,
          callback_scheduled: accepted.callbackScheduled,
          created_at: created.created_at,
        }),
        201,
      );
    },
  );
}
