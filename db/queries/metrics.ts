import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { hourlyUpToHours, type Metrics } from "../../schemas/metrics.ts";
import type { Owner } from "../../schemas/scopes.ts";
import { isoSql } from "./resources.ts";
import { onlyRow } from "./rows.ts";

// Speed to lead and outcomes over [from, to), from the stored timestamps, in one statement:
// every figure is over all the rows in range (percentile_cont, count), none sampled.
//
// - A callback's intake is its created_at, or its scheduled_at where the caller asked for a later
//   time (a call booked for tomorrow is not slow today); holds for calling hours count.
// - Its first dial is its first call attempt's created_at: an attempt is recorded just before its
//   phone rings (functions/calls/dial.ts).
// - The lead connected on the first attempt whose lead's call a person answered: answered_at set,
//   a detection verdict (answered_by) and no outcome, which is how an attempt ended without a
//   conversation (not_accepted, machine, voicemail_left): the state machine's test for connecting
//   a callback (functions/calls/status.ts). The time is answered_at.
// - Callbacks, leads and webhook deliveries count when created in range.

export type MetricsRange = { from: Date; to: Date; domainId?: string | null };

export async function metrics(db: Db, owner: Owner, range: MetricsRange): Promise<Metrics> {
  const from = sql`${range.from.toISOString()}::timestamptz`;
  const to = sql`${range.to.toISOString()}::timestamptz`;
  const domainId = range.domainId ?? null;
  const bucket = range.to.getTime() - range.from.getTime() <= hourlyUpToHours * 3_600_000 ? "hour" : "day";
  const owned = (alias: string) => sql`${sql.raw(alias)}.workspace_id = ${owner.workspaceId} AND ${sql.raw(alias)}.mode = ${owner.mode}::mode`;
  const inRange = (alias: string) => sql`${sql.raw(alias)}.created_at >= ${from} AND ${sql.raw(alias)}.created_at < ${to}`;
  const ofDomain = (alias: string) => (domainId === null ? sql`true` : sql`${sql.raw(alias)}.domain_id = ${domainId}`);
  const utcBucket = (column: SQL) => sql`date_trunc(${bucket}, ${column} AT TIME ZONE 'UTC')`;
  const seconds = (fraction: number, column: string) =>
    sql`round((percentile_cont(${fraction}::float8) WITHIN GROUP (ORDER BY ${sql.raw(column)}))::numeric, 3)::float8`;
  // Null where there is no such time (greatest would take a null for 0); never below 0.
  const sinceIntake = (time: SQL) =>
    sql`CASE WHEN ${time} IS NOT NULL THEN greatest(0, extract(epoch FROM (${time} - greatest(c.created_at, c.scheduled_at)))) END`;
  const percentiles = (column: string) =>
    sql`jsonb_build_object('p50_seconds', ${seconds(0.5, column)}, 'p95_seconds', ${seconds(0.95, column)}, 'count', count(${sql.raw(column)}))`;

  const { rows } = await db.execute<{ metrics: Metrics }>(sql`
WITH cb AS (
  SELECT c.status, c.created_at,
         ${sinceIntake(sql`first.dial`)} AS to_dial,
         ${sinceIntake(sql`first.connected`)} AS to_connect
  FROM callbacks c
  LEFT JOIN LATERAL (
    SELECT min(a.created_at) AS dial,
           min(a.answered_at) FILTER (WHERE a.answered_by IS NOT NULL AND a.outcome IS NULL) AS connected
    FROM call_attempts a WHERE a.callback_id = c.id
  ) first ON true
  WHERE ${owned("c")} AND ${inRange("c")} AND ${ofDomain("c")}
), totals AS (
  SELECT count(*) AS total, ${percentiles("to_dial")} AS first_dial, ${percentiles("to_connect")} AS lead_connected,
         count(to_dial) AS dialled, count(to_connect) AS connected
  FROM cb
), statuses AS (
  SELECT jsonb_object_agg(s::text, coalesce(n.count, 0)) AS by_status
  FROM unnest(enum_range(NULL::callback_status)) s
  LEFT JOIN (SELECT status, count(*) FROM cb GROUP BY status) n ON n.status = s
), deliveries AS (
  SELECT count(*) FILTER (WHERE d.status = 'succeeded') AS succeeded,
         count(*) FILTER (WHERE d.status = 'failed') AS failed,
         count(*) FILTER (WHERE d.status = 'pending') AS pending
  FROM webhook_deliveries d WHERE ${owned("d")} AND ${inRange("d")}
), cb_buckets AS (
  SELECT ${utcBucket(sql`created_at`)} AS b, count(*) AS callbacks, ${percentiles("to_dial")} AS first_dial
  FROM cb GROUP BY 1
), lead_buckets AS (
  SELECT ${utcBucket(sql`l.created_at`)} AS b, count(*) AS leads
  FROM leads l WHERE ${owned("l")} AND ${inRange("l")} AND ${ofDomain("l")} GROUP BY 1
), buckets AS (
  SELECT generate_series(${utcBucket(from)}, (${to} AT TIME ZONE 'UTC') - interval '1 microsecond', ${`1 ${bucket}`}::interval) AS b
)
SELECT jsonb_build_object(
  'from', ${isoSql(from)}, 'to', ${isoSql(to)}, 'domain_id', ${domainId}::text,
  'speed_to_lead', (SELECT jsonb_build_object('first_dial', first_dial, 'lead_connected', lead_connected) FROM totals),
  'connect_rate', (SELECT jsonb_build_object(
      'rate', CASE WHEN dialled > 0 THEN round(connected::numeric / dialled, 4)::float8 END,
      'connected', connected, 'dialled', dialled) FROM totals),
  'callbacks', (SELECT jsonb_build_object('total', total, 'by_status', (SELECT by_status FROM statuses)) FROM totals),
  'webhooks', (SELECT jsonb_build_object(
      'success_rate', CASE WHEN succeeded + failed > 0 THEN round(succeeded::numeric / (succeeded + failed), 4)::float8 END,
      'succeeded', succeeded, 'failed', failed, 'pending', pending) FROM deliveries),
  'series', jsonb_build_object('bucket', ${bucket}::text, 'points', (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
      'start', ${isoSql(sql`(buckets.b AT TIME ZONE 'UTC')`)},
      'leads', coalesce(lead_buckets.leads, 0),
      'callbacks', coalesce(cb_buckets.callbacks, 0),
      'first_dial', coalesce(cb_buckets.first_dial, jsonb_build_object('p50_seconds', null, 'p95_seconds', null, 'count', 0))
    ) ORDER BY buckets.b), '[]'::jsonb)
    FROM buckets
    LEFT JOIN cb_buckets ON cb_buckets.b = buckets.b
    LEFT JOIN lead_buckets ON lead_buckets.b = buckets.b))
) AS metrics`);
  return onlyRow(rows, "metrics").metrics;
}
