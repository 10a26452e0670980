import { acceptIntake } from "../intake/accept.ts";
import { ApiError } from "../lib/errors.ts";
import { native } from "../routes/kinds/native.ts";
import { callbacks } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { Callback, CreateCallback } from "../../schemas/callbacks.ts";
import { canonicalTimeZone } from "../../schemas/common.ts";

export const createCallback = defineRoute(native, {
  ...callbacks.all("post", jsonBody(CreateCallback)),
  summary: "Schedule a callback",
  description:
    "Seed 004 (LimeCall). Creates or updates the lead (one per E.164 phone) and schedules a callback to it, " +
    "now or at scheduled_at. Secret keys with callbacks:write, or publishable keys with intake:write from their " +
    "allowed origins (Authorization, or api_key in the URL; CORS per key), which may not choose who is rung " +
    "(agent_id, agent_phone, X-Agent-ID). An identical request (same phone, domain, agent " +
    "and other fields) within 10 minutes of one that scheduled a callback schedules no second one: it answers " +
    "200 (not 201) with that callback, whatever its status now, and the header Ringback-Duplicate: true. " +
    "Over the phone's hourly callback limit (3 unless configured): 429. Idempotency-Key is honoured.",
  responses: {
    201: jsonResponse("Scheduled", Callback),
    200: jsonResponse("An identical request scheduled this callback in the last 10 minutes", Callback),
  },
  // acceptIntake counts the request with the phone's limit, in one round trip to Redis.
  rateLimit: "deferred",
  idempotencyClaim: "in-write",
  // A web page's callback request; a publishable key has intake:write only.
  keyKinds: ["secret", "publishable"],
  publishableScope: "intake:write",
  errors: {
    403:
      "A key without callbacks:write (a publishable key: intake:write, from another origin, or choosing who is rung), " +
      "a secret key from a web page or in the URL, or agent_id of another agent than the key's",
    404: "domain_id or agent_id is not this workspace's (in this mode)",
    429: "The workspace's or the phone's rate limit; Retry-After says when to retry",
  },
}, async (c) => {
  const body = c.req.valid("json");
  const { caller } = c.var;
  // A publishable key is public: letting it name the agent's phone would make Ringback a relay between any two numbers.
  if (caller.key.kind === "publishable" && (body.agent_id || body.agent_phone)) {
    throw new ApiError("forbidden", "agent_id and agent_phone choose who is rung: a secret key is required for them");
  }
  if (caller.key.agentId && body.agent_id && body.agent_id !== caller.key.agentId) {
    throw new ApiError("forbidden", "This key acts for another agent");
  }
  const agentId = body.agent_id ?? (body.agent_phone ? null : (caller.agent?.id ?? null));
  const timezone = body.timezone ? canonicalTimeZone(body.timezone) : null;
  const at = body.scheduled_at ? new Date(body.scheduled_at) : null;
  // Up to five minutes late (clock skew, a slow retry) is taken as now; the schema refused earlier.
  const scheduledAt = at && at.getTime() > Date.now() ? at.toISOString() : null;
  const domainId = body.domain_id ?? null;
  const { phone: _phone, domain_id: _domain, ...rest } = body;
  const fingerprintOf = canonicalJson({ ...rest, agent_id: agentId, timezone, scheduled_at: at?.toISOString() });

  const accepted = await acceptIntake(c, {
    domainId,
    agentId,
    phone: { raw: body.phone, field: "phone" },
    lead: { name: body.name ?? null, email: body.email ?? null, timezone, customFields: {} },
    callback: {
      source: "api",
      // agent_phone has been parsed to E.164.
      agentOverride: body.agent_phone ? { name: null, phone: body.agent_phone } : null,
      scheduledAt,
      timezone,
      metadata: body.metadata ?? {},
      maxAttempts: body.retry?.max_attempts ?? null,
      retryIntervalsSeconds: body.retry?.intervals?.length ? body.retry.intervals : null,
      onlyIfDomainAutoCallback: false,
    },
    consent: { record: body.consent ?? null, field: "consent" },
    phoneLimit: "reject",
    fingerprintOf,
  });
  if (accepted.callback) {
    const created = Callback.parse(accepted.callback);
    c.header("Location", `${callbacks.path}/${created.id}`);
    return c.json(created, 201);
  }

  // A duplicate: answer with the callback the identical earlier request scheduled.
  const existing = accepted.earlierCallback;
  if (!existing) throw new Error("callbacks: no callback was scheduled and no earlier one was found");
  const callback = Callback.parse(existing);
  c.header("Location", `${callbacks.path}/${callback.id}`);
  c.header("Ringback-Duplicate", "true");
  return c.json(callback, 200);
});

/** JSON with object keys sorted, so that key order does not make two requests differ. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
