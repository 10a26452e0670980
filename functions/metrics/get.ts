import { metrics } from "../../db/queries/metrics.ts";
import { native } from "../routes/kinds/native.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { Metrics, MetricsQuery, defaultRangeDays, hourlyUpToHours, maxRangeDays, metricsRange } from "../../schemas/metrics.ts";
import { ApiError } from "../lib/errors.ts";

export const getMetrics = defineRoute(native, {
  method: "get",
  path: "/v1/metrics",
  summary: "Speed to lead and outcomes over a time range",
  description:
    `Computed from the stored timestamps of every row created in [from, to), none sampled. The range defaults to the ` +
    `${defaultRangeDays} days before now and may be at most ${maxRangeDays} days; to must be after from (else 422). ` +
    "A callback's intake is its created_at, or its scheduled_at where a later time was asked for. first_dial: intake " +
    "to its first call attempt. lead_connected: intake to the first attempt whose lead a person answered (answered_at; " +
    "not a machine, voicemail or an agent who did not accept). connect_rate: callbacks connected at least once out of " +
    "callbacks dialled at least once. webhooks.success_rate: deliveries succeeded out of those finished (succeeded or " +
    `failed). series: the same per UTC hour for ranges of up to ${hourlyUpToHours} hours, else per UTC day. ` +
    "Secret keys with metrics:read.",
  tags: ["metrics"],
  request: { query: MetricsQuery },
  responses: { 200: jsonResponse("The metrics", Metrics) },
  scope: "metrics:read",
}, async (c) => {
  const q = c.req.valid("query");
  // Now to the second: the range is echoed, and times are shown to the second.
  const range = metricsRange(q, Math.floor(Date.now() / 1000) * 1000);
  if (!range) throw new ApiError("internal", "A checked metrics query has no range");
  return c.json(Metrics.parse(await metrics(c.var.db, c.var.owner, { ...range, domainId: q.domain_id })), 200);
});
