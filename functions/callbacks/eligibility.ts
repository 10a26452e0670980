import type { App } from "../context.ts";
import { loadOwnContext } from "../../db/queries/dial-context.ts";
import { localTimes, schedule } from "../compliance/decide.ts";
import { factsOf } from "../compliance/facts.ts";
import { requireKey } from "../lib/auth.ts";
import { isoSeconds } from "../lib/zoned-time.ts";
import { ApiError } from "../lib/errors.ts";
import { isId } from "../../schemas/ids.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { IdParam } from "../../schemas/common.ts";
import { cancelableStatuses } from "../../schemas/callbacks.ts";
import { Eligibility } from "../../schemas/compliance.ts";
import { Problem } from "../../schemas/problem.ts";

const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

export function registerCallbackEligibility(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/callbacks/{id}/eligibility",
    summary: "When a callback may next ring, and why",
    description:
      "Secret keys with callbacks:read. Decides, as the dialler would now and without changing anything, whether the " +
      "callback may ring: the do-not-call list and opt-out, the rulebook's calling windows in every zone the lead may be " +
      "in (from the number, the zone given for the lead, else the domain's), business hours, and caps on calls. " +
      "next_eligible_at is the first lawful moment from now (or from scheduled_at, if later); hold says what holds it.",
    tags: ["callbacks"],
    auth: "key",
    responses: {
      200: { description: "The decision", schema: Eligibility },
      401: problem("Missing, unknown or revoked key"),
      403: problem("A publishable key, or a key without callbacks:read"),
      404: problem("No such callback in this workspace and mode"),
      429: problem("The workspace's rate limit"),
    },
  });

  app.get("/v1/callbacks/:id/eligibility", requireKey({ scope: "callbacks:read" }), rateLimit(), validate("param", IdParam), async (c) => {
    const { workspace, mode } = c.var.caller;
    const { id } = c.req.valid("param");
    const cb = isId("callback", id) ? await loadOwnContext(c.var.db, { workspaceId: workspace.id, mode }, id) : null;
    if (!cb) throw new ApiError("not_found", `No callback ${id}`);
    const now = new Date();
    // Not before scheduled_at, nor before a retry's own wait (next_attempt_at, when nothing holds it).
    const waiting = cb.status === "retry_scheduled" && cb.hold === null && cb.next_attempt_at !== null;
    const verdict = schedule(factsOf(cb, new Date(waiting ? cb.next_attempt_at! : cb.scheduled_at)), now);
    const blocked = cb.on_dnc ? "do_not_call" : cb.opted_out ? "opted_out" : null;
    const live = (cancelableStatuses as readonly string[]).includes(cb.status);
    const open = live && blocked === null && verdict.at !== null;
    return c.json(
      Eligibility.parse({
        callback_id: cb.id,
        status: cb.status,
        checked_at: isoSeconds(now),
        eligible_now: open && verdict.hold === null && verdict.at!.getTime() <= now.getTime() + 1000,
        blocked,
        next_eligible_at: open ? isoSeconds(verdict.at!) : null,
        hold: live && blocked === null ? verdict.hold : null,
        zones: verdict.place.zones,
        zone_source: verdict.place.zoneSource,
        regions: verdict.place.regions,
        lead_local_time: localTimes(now, verdict.place.zones),
        rules: verdict.rules.map((rule) => ({ id: rule.id, region: rule.region, citation: rule.citation })),
        rulebook_version: verdict.rulebookVersion,
        attempts_24h: verdict.attempts24h,
        caps: verdict.caps,
      }),
    );
  });
}
