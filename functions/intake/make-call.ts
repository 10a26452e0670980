import type { MiddlewareHandler } from "hono";
import type { App, AppEnv } from "../context.ts";
import { requireKey } from "../lib/auth.ts";
import { jsonBody, limitBody } from "../lib/body.ts";
import { dialect } from "../lib/dialect.ts";
import { ApiError } from "../lib/errors.ts";
import { idempotent } from "../lib/idempotency.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { CalldockError, MakeCallRequest, MakeCallStarted } from "../../schemas/calldock.ts";
import type { Hold } from "../../schemas/compliance.ts";
import { acceptIntake } from "./accept.ts";
import { renderCalldock } from "./calldock-errors.ts";

const path = "/v1/make-call";

export function registerMakeCall(app: App) {
  describeRoute({
    method: "post",
    path,
    summary: "Make a call now (Calldock)",
    description:
      "Seed 002. Starts a callback to `phone` now, through the agent named by X-Agent-ID, and creates or updates the " +
      "lead (one per E.164 phone). Secret keys with callbacks:write, in X-API-Key (or Authorization: Bearer). " +
      "X-Agent-ID is required: missing is 401 MISSING_AGENT_ID; another workspace's (or mode's) agent is 404 " +
      "AGENT_NOT_FOUND; a deactivated agent is 403 AGENT_INACTIVE. An identical request (same agent, phone, name, " +
      "email and metadata) within 10 minutes starts no second call and answers 200 with the first call's callId and " +
      "timestamp. Over the phone's hourly limit (the agent's callbacks_per_phone_per_hour, else the workspace's, " +
      "else 3; repeats count too) is 429 PHONE_RATE_LIMITED. Idempotency-Key is honoured. Every error is " +
      '{"success": false, "error": {"code", "message"}}; the codes are listed on CalldockError.',
    tags: ["intake"],
    auth: "key",
    body: MakeCallRequest,
    responses: {
      200: { description: "Call initiated", schema: MakeCallStarted },
      400: { description: "Invalid request: INVALID_JSON, INVALID_REQUEST, MISSING_FIELD, INVALID_PHONE, INVALID_FIELD, UNKNOWN_FIELD", schema: CalldockError },
      401: { description: "UNAUTHORIZED, MISSING_AGENT_ID", schema: CalldockError },
      403: { description: "FORBIDDEN, AGENT_INACTIVE", schema: CalldockError },
      404: { description: "AGENT_NOT_FOUND", schema: CalldockError },
      405: { description: "METHOD_NOT_ALLOWED (Allow: POST)", schema: CalldockError },
      409: { description: "REQUEST_IN_PROGRESS (Idempotency-Key), DUPLICATE_CALL", schema: CalldockError },
      413: { description: "PAYLOAD_TOO_LARGE: body over 64 KB", schema: CalldockError },
      415: { description: "UNSUPPORTED_MEDIA_TYPE", schema: CalldockError },
      422: { description: "IDEMPOTENCY_KEY_REUSED", schema: CalldockError },
      429: { description: "RATE_LIMITED, PHONE_RATE_LIMITED; Retry-After says when to retry", schema: CalldockError },
      500: { description: "INTERNAL_ERROR", schema: CalldockError },
    },
  });

  app.use(path, dialect(renderCalldock));
  app.post(
    path,
    limitBody(),
    requireKey({ kinds: ["secret"], scope: "callbacks:write" }),
    requireAgent(),
    rateLimit({ deferred: true }),
    jsonBody(),
    idempotent(),
    validate("json", MakeCallRequest),
    async (c) => {
      const { phone, name, email, metadata } = c.req.valid("json");
      const agent = c.var.caller.agent!;
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
      const started = (accepted.callback ?? accepted.earlierCallback) as StartedCall | null;
      if (!started) throw new ApiError("internal", "make-call: no callback was scheduled and no earlier one was found");
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
    },
  );
  app.all(path, () => {
    throw new ApiError("method_not_allowed", "This endpoint only accepts POST requests", { headers: { Allow: "POST" } });
  });
}

type StartedCall = { id: string; created_at: string; next_attempt_at: string | null; hold: Hold | null };

/** Calldock keys act for an agent: X-Agent-ID must be sent, and name an active agent. */
function requireAgent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { agent } = c.var.caller;
    if (!c.req.header("x-agent-id")?.trim() || !agent) {
      throw new ApiError("unauthorized", "The X-Agent-ID header is required", { facts: { reason: "agent_missing" } });
    }
    if (!agent.active) throw new ApiError("forbidden", `Agent ${agent.id} is not active`, { facts: { reason: "agent_inactive" } });
    await next();
  };
}
