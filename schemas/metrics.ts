import { z } from "zod";
import { CallbackStatus } from "./callbacks.ts";
import { OffsetTime, Time, instantOf } from "./common.ts";

// GET /v1/metrics: speed to lead and outcomes over a time range, computed from stored
// timestamps (db/queries/metrics.ts). Every figure counts rows created in [from, to).

export const defaultRangeDays = 7;
export const maxRangeDays = 92;
/** Ranges up to this long are bucketed by the hour, longer ones by the UTC day. */
export const hourlyUpToHours = 48;

const day = 86_400_000;

export const MetricsQuery = z
  .strictObject({
    from: OffsetTime.optional().describe(`Start of the range, inclusive. Default: ${defaultRangeDays} days before \`to\``),
    to: OffsetTime.optional().describe("End of the range, exclusive. Default: now"),
    domain_id: z.string().max(100).optional().describe("Only leads and callbacks of this domain (webhook deliveries are not per domain)"),
  })
  .superRefine((q, ctx) => {
    const range = metricsRange(q, Date.now());
    if (!range) {
      // A malformed time is reported by its own field. One that parses but lies outside the years
      // 0001 to 9999 once its offset is applied (9999-12-31T23:59:59-15:59 is in year 10000) is
      // reported here, and so is a `to` whose default `from` would fall before year 0001.
      const given = (["from", "to"] as const).filter((field) => q[field] !== undefined && !Number.isNaN(instantOf(q[field])));
      const outside = given.filter((field) => !representable(instantOf(q[field] as string)));
      for (const field of outside) ctx.addIssue({ code: "custom", path: [field], message: "is out of range: UTC years 0001 to 9999" });
      if (outside.length === 0 && given.includes("to") && q.from === undefined) {
        ctx.addIssue({ code: "custom", path: ["to"], message: `is out of range: its default from, ${defaultRangeDays} days before, is before year 0001` });
      }
      return;
    }
    // The issue is on the field given: `from` alone is compared with now.
    const field = q.to === undefined ? "from" : "to";
    const versus = field === "to" ? "from" : "to (now)";
    if (range.to.getTime() <= range.from.getTime()) {
      ctx.addIssue({ code: "custom", path: [field], message: field === "to" ? "must be after from" : "must be before to (now)" });
    } else if (range.to.getTime() - range.from.getTime() > maxRangeDays * day) {
      ctx.addIssue({ code: "custom", path: [field], message: `must be at most ${maxRangeDays} days from ${versus}` });
    }
  });

// The instants an answer can echo as YYYY-MM-DDTHH:MM:SSZ, and PostgreSQL can store without a BC.
const earliest = Date.parse("0001-01-01T00:00:00Z");
const latest = Date.parse("9999-12-31T23:59:59.999Z");
const representable = (ms: number) => Number.isFinite(ms) && ms >= earliest && ms <= latest;

/** The range a query asks for, its defaults filled in; null while a time is malformed. */
export function metricsRange(q: { from?: string; to?: string }, now: number): { from: Date; to: Date } | null {
  const to = q.to === undefined ? now : instantOf(q.to);
  const from = q.from === undefined ? to - defaultRangeDays * day : instantOf(q.from);
  if (!representable(to) || !representable(from)) return null;
  return { from: new Date(from), to: new Date(to) };
}

const seconds = z.number().min(0).nullable().describe("Seconds, to the millisecond; null when no callback in range has one");

const Percentiles = z.strictObject({
  p50_seconds: seconds,
  p95_seconds: seconds,
  count: z.number().int().min(0).describe("Callbacks measured"),
});

const rate = z.number().min(0).max(1).nullable().describe("0 to 1; null when nothing was counted");

export const SeriesPoint = z
  .strictObject({
    start: Time.describe("The bucket's start, UTC"),
    leads: z.number().int().min(0).describe("Leads created in the bucket"),
    callbacks: z.number().int().min(0).describe("Callbacks created in the bucket"),
    first_dial: Percentiles.describe("Intake to first dial, for callbacks created in the bucket"),
  })
  .meta({ id: "MetricsSeriesPoint" });

export const Metrics = z
  .strictObject({
    from: Time,
    to: Time,
    domain_id: z.string().nullable(),
    speed_to_lead: z.strictObject({
      first_dial: Percentiles.describe("From the callback's intake (created_at, or scheduled_at if later) to its first call attempt"),
      lead_connected: Percentiles.describe("From the same start to the first attempt on which a person answered the lead's phone"),
    }),
    connect_rate: z
      .strictObject({ rate, connected: z.number().int().min(0), dialled: z.number().int().min(0) })
      .describe("Callbacks whose lead a person answered at least once, out of callbacks dialled at least once"),
    callbacks: z.strictObject({
      total: z.number().int().min(0),
      by_status: z.record(CallbackStatus, z.number().int().min(0)).describe("Every status, each callback counted by its status now"),
    }),
    webhooks: z
      .strictObject({ success_rate: rate, succeeded: z.number().int().min(0), failed: z.number().int().min(0), pending: z.number().int().min(0) })
      .describe("Deliveries created in range: succeeded out of succeeded + failed; pending ones are still being tried"),
    series: z.strictObject({
      bucket: z.enum(["hour", "day"]).describe(`hour for ranges of up to ${hourlyUpToHours} hours, else day (UTC)`),
      points: z.array(SeriesPoint),
    }),
  })
  .meta({ id: "Metrics" });

export type Metrics = z.infer<typeof Metrics>;
