import { z } from "zod";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../lib/errors.ts";
import { calldock } from "../routes/kinds/calldock.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { MakeCallRequest, MakeCallStarted } from "../../schemas/calldock.ts";
import { acceptIntake } from "./accept.ts";
import { requestedCallback } from "./requested-callback.ts";

export const makeCall = defineRoute(calldock, {
  method: "post",
  path: "/v1/make-call",
  summary: "Make a call now (Calldock)",
  description:
    "Seed 002. Starts a callback to `phone` now, through the agent named by X-Agent-ID, and creates or updates the " +
    "lead (one per E.164 phone). Secret keys with callbacks:write, in X-API-Key (or Authorization: Bearer). " +
    "X-Agent-ID is required: missing is 401 MISSING_AGENT_ID; another workspace's (or mode's) agent is 404 " +
    "AGENT_NOT_FOUND; a deactivated agent is 403 AGENT_INACTIVE. An identical request (same agent, phone, name, " +
    "email and metadata) within 10 minutes starts no second call and answers 200 with the first call's callId and " +
    "timestamp; if that call was canceled, 409 DUPLICATE_CALL, with Retry-After saying when the same request " +
    "starts a call again. Over the phone's hourly limit (the agent's callbacks_per_phone_per_hour, else the " +
    "workspace's, else 3; repeats count too) is 429 PHONE_RATE_LIMITED. Idempotency-Key is honoured. Every error is " +
    '{"success": false, "error": {"code", "message"}}; the codes are listed on CalldockError.',
  tags: ["intake"],
  request: {
    body: jsonBody(MakeCallRequest),
    headers: z.object({ "x-agent-id": z.string().describe("The agent the call goes through (agt_…): required; missing is 401 MISSING_AGENT_ID") }),
  },
  responses: { 200: jsonResponse("Call initiated", MakeCallStarted) },
  scope: "callbacks:write", guards: [requireAgent()], rateLimit: "deferred", idempotencyClaim: "in-write",
}, async (c) => {
  const { phone, name, email, metadata } = c.req.valid("json");
  const agent = activeAgent(c.var.caller.agent);
  // The agent is part of "identical": the same number called through two agents is two calls.
  const fingerprintOf = { agent: agent.id, name: name ?? null, email: email ?? null, metadata: metadata ?? {} };
  const accepted = await acceptIntake(c, {
    domainId: null,
    agentId: agent.id,
    phone: { raw: phone, field: "phone" },
    lead: { name: name ?? null, email: email ?? null, timezone: null, customFields: {} },
    formResponse: null,
    callback: {
      source: "make_call",
      agentOverride: null,
      scheduledAt: null,
      timezone: null,
      metadata: metadata ?? {},
      maxAttempts: null,
      retryIntervalsSeconds: null,
      onlyIfDomainAutoCallback: false,
    },
    // Calldock's make-call names no domain, so none can require consent.
    consent: { record: null, field: "consent" },
    phoneLimit: "reject",
    fingerprintOf,
  });
  // A repeat within ten minutes is answered with the call the first request started.
  const { callback: started } = requestedCallback(accepted);
  // "initiated" only for a call that starts now: a call held for the lead's calling hours says
  // "scheduled", when it will ring, and why (README, "Calldock make-call").
  const held = started.hold !== null && (started.next_attempt_at === null || Date.parse(started.next_attempt_at) > Date.now());
  return c.json(
    MakeCallStarted.parse({
      success: true,
      data: {
        callId: started.id,
        status: held ? "scheduled" : "initiated",
        timestamp: started.created_at,
        scheduledFor: held ? (started.hold?.until ?? null) : started.next_attempt_at,
        hold: held ? started.hold : null,
      },
    }),
    200,
  );
});

type Agent = AppEnv["Variables"]["caller"]["agent"];

/** Calldock keys act for an agent: X-Agent-ID must be sent, and name an active agent. */
function requireAgent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.req.header("x-agent-id")?.trim()) throw missingAgent();
    activeAgent(c.var.caller.agent);
    await next();
  };
}

function activeAgent(agent: Agent): NonNullable<Agent> {
  if (!agent) throw missingAgent();
  if (!agent.active) throw new ApiError("forbidden", `Agent ${agent.id} is not active`, { facts: { reason: "agent_inactive" } });
  return agent;
}

const missingAgent = () => new ApiError("unauthorized", "The X-Agent-ID header is required", { facts: { reason: "agent_missing" } });
