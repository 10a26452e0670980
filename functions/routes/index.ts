import { me } from "../account/me.ts";
import { docsPage, docsScript } from "../system/docs.ts";
import { embedJs } from "../embed/embed-js.ts";
import { health } from "../system/health.ts";
import { openApiRoute } from "../system/openapi.ts";
import { createWebhookEndpoint } from "../webhooks/create-endpoint.ts";
import { deleteWebhookEndpoint } from "../webhooks/delete-endpoint.ts";
import { getWebhookEndpoint } from "../webhooks/get-endpoint.ts";
import { getWebhookDelivery } from "../webhooks/get-delivery.ts";
import { listWebhookDeliveries } from "../webhooks/list-deliveries.ts";
import { replayWebhookDelivery } from "../webhooks/replay-delivery.ts";
import { replayFailedDeliveries } from "../webhooks/replay-failed.ts";
import { listWebhookEndpoints } from "../webhooks/list-endpoints.ts";
import { rotateWebhookSecret } from "../webhooks/rotate-secret.ts";
import { testWebhookEndpoint } from "../webhooks/test-endpoint.ts";
import { updateWebhookEndpoint } from "../webhooks/update-endpoint.ts";
import { getEvent } from "../events/get-event.ts";
import { listEventEnvelopes } from "../events/list-events.ts";
import { replayEvent } from "../events/replay-event.ts";
import { addCallApiGet, addCallApiPost } from "../intake/add-call-api.ts";
import { callLogsV1, webhookPhp } from "../intake/call-logs.ts";
import { formResponses } from "../intake/form-responses.ts";
import { makeCall } from "../intake/make-call.ts";
import { listCallbackAttempts } from "../callbacks/attempts.ts";
import { callbackEligibility } from "../callbacks/eligibility.ts";
import { cancelCallback } from "../callbacks/cancel.ts";
import { createCallback } from "../callbacks/create.ts";
import { getCallback } from "../callbacks/get.ts";
import { listCallbacks } from "../callbacks/list.ts";
import { getLead } from "../leads/get.ts";
import { leadCompliance } from "../leads/compliance.ts";
import { listLeads } from "../leads/list.ts";
import { updateLead } from "../leads/update.ts";
import { addDncNumber } from "../dnc/add.ts";
import { listDncNumbers } from "../dnc/list.ts";
import { removeDncNumber } from "../dnc/remove.ts";
import { getFormResponse } from "../form-responses/get.ts";
import { listFormResponses } from "../form-responses/list.ts";
import { getCallLog } from "../call-logs/get.ts";
import { listCallLogs } from "../call-logs/list.ts";
import { getMetrics } from "../metrics/get.ts";
import { createAgent } from "../agents/create.ts";
import { deactivateAgent } from "../agents/deactivate.ts";
import { getAgent } from "../agents/get.ts";
import { listAgents } from "../agents/list.ts";
import { rotateAgentSecret } from "../agents/rotate-secret.ts";
import { updateAgent } from "../agents/update.ts";
import { createDomain } from "../domains/create.ts";
import { getDomain } from "../domains/get.ts";
import { listDomains } from "../domains/list.ts";
import { updateDomain } from "../domains/update.ts";
import { createKey } from "../keys/create.ts";
import { getKey } from "../keys/get.ts";
import { listKeys } from "../keys/list.ts";
import { revokeKey } from "../keys/revoke.ts";
import { createLink } from "../links/create.ts";
import { getLink } from "../links/get.ts";
import { listLinks } from "../links/list.ts";
import { revokeLink } from "../links/revoke.ts";
import { visitLinkGet, visitLinkPost } from "../links/visit.ts";
import { twilioAccept } from "../telephony/twilio-accept.ts";
import { twilioLead } from "../telephony/twilio-lead.ts";
import { twilioRecording } from "../telephony/twilio-recording.ts";
import { twilioStatus } from "../telephony/twilio-status.ts";
import { twilioTwiml } from "../telephony/twilio-twiml.ts";
import type { Route } from "./route.ts";

// Every route Ringback serves, by family. A route is mounted and documented by being listed
// here (app.ts); the conformance suite (test/worker/conformance.test.ts) runs against this list.
export function allRoutes(document: () => object): Route[] {
  return [
    // system
    health,
    openApiRoute(document),
    docsPage,
    docsScript,
    embedJs,
    // account
    me,
    // webhooks
    createWebhookEndpoint,
    listWebhookEndpoints,
    getWebhookEndpoint,
    updateWebhookEndpoint,
    deleteWebhookEndpoint,
    rotateWebhookSecret,
    testWebhookEndpoint,
    listWebhookDeliveries,
    replayFailedDeliveries,
    getWebhookDelivery,
    replayWebhookDelivery,
    // events
    listEventEnvelopes,
    getEvent,
    replayEvent,
    // callbacks and leads: the native API
    createCallback,
    listCallbacks,
    getCallback,
    cancelCallback,
    callbackEligibility,
    listCallbackAttempts,
    listLeads,
    getLead,
    updateLead,
    leadCompliance,
    // do-not-call
    addDncNumber,
    removeDncNumber,
    listDncNumbers,
    // reads: form responses, call logs, metrics
    listFormResponses,
    getFormResponse,
    listCallLogs,
    getCallLog,
    getMetrics,
    // management: agents, domains, keys
    createAgent,
    listAgents,
    getAgent,
    updateAgent,
    deactivateAgent,
    rotateAgentSecret,
    createDomain,
    listDomains,
    getDomain,
    updateDomain,
    createKey,
    listKeys,
    getKey,
    revokeKey,
    // signed links: made and revoked with a key, then opened and submitted to without one
    createLink,
    listLinks,
    getLink,
    revokeLink,
    visitLinkGet,
    visitLinkPost,
    // intake: the seed APIs
    formResponses,
    webhookPhp,
    callLogsV1,
    makeCall,
    addCallApiGet,
    addCallApiPost,
    // telephony: Twilio's callbacks
    twilioStatus,
    twilioTwiml,
    twilioAccept,
    twilioLead,
    twilioRecording,
  ];
}
