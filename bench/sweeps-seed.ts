// Backlogs and history for the cron's benchmarks (sweeps, drain, delivery-history), written with
// generate_series in one statement each. Ids are made here, zero-padded so they sort in order of
// creation like real ones; each range [from, to) can be added to what is there, so one database
// grows from a small backlog to a large one.
import type pg from "pg";

export type Seeded = { workspaceId: string; endpointId: string };

/** An id of `prefix` (its kind, an underscore and a letter or two that tag the seed) and a number: 26 characters after the underscore, like a real one. */
const pad = (prefix: string, i: string) => `'${prefix}' || lpad(${i}::text, ${27 - prefix.length + prefix.indexOf("_")}, '0')`;

/** A workspace with one endpoint (subscribed to every event) at `url`. */
export async function seedWorkspace(pool: pg.Pool, url = "http://127.0.0.1:9/unused"): Promise<Seeded> {
  const workspaceId = "ws_sweepbench";
  const endpointId = "we_sweepbench";
  await pool.query(`INSERT INTO workspaces (id, name, plan) VALUES ($1, 'Sweep bench', 'enterprise') ON CONFLICT DO NOTHING`, [workspaceId]);
  await pool.query(`INSERT INTO webhook_endpoints (id, workspace_id, mode, url, secret) VALUES ($1, $2, 'live', $3, 'unused') ON CONFLICT DO NOTHING`, [endpointId, workspaceId, url]);
  return { workspaceId, endpointId };
}

/** Events never sent, written an hour ago: the sweeper's work. */
export function unsentEvents(pool: pg.Pool, s: Seeded, from: number, to: number) {
  return pool.query(
    `INSERT INTO events (id, workspace_id, mode, type, data, created_at)
     SELECT ${pad("evt_u", "i")}, $1, 'live', 'lead.updated',
       jsonb_build_object('id', 'lead_bench', 'phone', '+14155550100', 'updated_at', '2026-11-21T00:00:00Z'), now() - interval '1 hour'
     FROM generate_series($2::int, $3::int - 1) i`,
    [s.workspaceId, from, to],
  );
}

/** Events sent a moment ago and not yet fanned out: in their lease, work for no sweep. */
export function leasedEvents(pool: pg.Pool, s: Seeded, from: number, to: number) {
  return pool.query(
    `INSERT INTO events (id, workspace_id, mode, type, data, created_at, enqueued_at, sends)
     SELECT ${pad("evt_l", "i")}, $1, 'live', 'lead.updated', '{}'::jsonb, now() - interval '1 hour', now(), 1
     FROM generate_series($2::int, $3::int - 1) i`,
    [s.workspaceId, from, to],
  );
}

/**
 * History: `count` events fanned out long ago, each with `perEvent` succeeded deliveries (to
 * disabled endpoints made for it, so they take no new events).
 */
export async function deliveryHistory(pool: pg.Pool, s: Seeded, count: number, perEvent: number) {
  const receivers = Array.from({ length: perEvent }, (_, k) => `we_history${k}`);
  for (const id of receivers) {
    await pool.query(`INSERT INTO webhook_endpoints (id, workspace_id, mode, url, secret, enabled) VALUES ($1, $2, 'live', 'http://127.0.0.1:9/', 'unused', false) ON CONFLICT DO NOTHING`, [
      id,
      s.workspaceId,
    ]);
  }
  await pool.query(
    `INSERT INTO events (id, workspace_id, mode, type, data, created_at, enqueued_at, sends, fanned_out_at)
     SELECT ${pad("evt_h", "i")}, $1, 'live', 'lead.updated', '{}'::jsonb, now() - interval '30 days', now() - interval '30 days', 1, now() - interval '30 days'
     FROM generate_series(0, $2::int - 1) i`,
    [s.workspaceId, count],
  );
  await pool.query(
    `INSERT INTO webhook_deliveries (id, workspace_id, mode, event_id, endpoint_id, status, attempt_count, attempts, created_at, updated_at)
     SELECT 'whd_h' || lpad(k::text, 2, '0') || lpad(i::text, 23, '0'), $1, 'live', ${pad("evt_h", "i")}, 'we_history' || k,
       CASE WHEN i % 50 = 0 THEN 'failed'::delivery_status ELSE 'succeeded'::delivery_status END, 1,
       '[{"at":"2026-11-01T00:00:00Z","status_code":200,"latency_ms":12,"response_body":"ok","error":null}]'::jsonb,
       now() - interval '30 days', now() - interval '30 days'
     FROM generate_series(0, $2::int - 1) i, generate_series(0, $3::int - 1) k`,
    [s.workspaceId, count, perEvent],
  );
  await pool.query("ANALYZE events; ANALYZE webhook_deliveries");
}

/** Pending deliveries whose next_attempt_at has passed (of the never-sent events [from, to)). */
export function dueDeliveries(pool: pg.Pool, s: Seeded, from: number, to: number) {
  return pool.query(
    `INSERT INTO webhook_deliveries (id, workspace_id, mode, event_id, endpoint_id, status, attempt_count, next_attempt_at)
     SELECT ${pad("whd_d", "i")}, $1, 'live', ${pad("evt_u", "i")}, $2, 'pending', 1, now() - interval '1 minute'
     FROM generate_series($3::int, $4::int - 1) i`,
    [s.workspaceId, s.endpointId, from, to],
  );
}

/** Leads with a callback each: due now (`status` scheduled) or in play and silent for an hour. */
export async function callbacksOf(pool: pg.Pool, s: Seeded, kind: "due" | "silent", from: number, to: number) {
  const tag = kind === "due" ? "d" : "s";
  await pool.query(
    `INSERT INTO leads (id, workspace_id, mode, phone, phone_raw)
     SELECT ${pad(`lead_${tag}`, "i")}, $1, 'live', '+1${kind === "due" ? "415" : "628"}' || lpad(i::text, 7, '0'), 'bench'
     FROM generate_series($2::int, $3::int - 1) i`,
    [s.workspaceId, from, to],
  );
  const [status, next] = kind === "due" ? ["scheduled", "now() - interval '1 minute'"] : ["dialing", "NULL"];
  await pool.query(
    `INSERT INTO callbacks (id, workspace_id, mode, lead_id, source, status, scheduled_at, next_attempt_at, attempt_count, retry_intervals_seconds, updated_at)
     SELECT ${pad(`cb_${tag}`, "i")}, $1, 'live', ${pad(`lead_${tag}`, "i")}, 'api', '${status}', now() - interval '1 hour', ${next},
       ${kind === "due" ? 0 : 1}, '{60}', now() - interval '1 hour'
     FROM generate_series($2::int, $3::int - 1) i`,
    [s.workspaceId, from, to],
  );
}

/** Idempotency keys whose 24 hours are over. */
export function expiredKeys(pool: pg.Pool, s: Seeded, from: number, to: number) {
  return pool.query(
    `INSERT INTO idempotency_keys (workspace_id, mode, key, request_hash, response_status, response_body, created_at, expires_at)
     SELECT $1, 'live', 'key-' || i, 'hash', 201, '{}', now() - interval '2 days', now() - interval '1 day'
     FROM generate_series($2::int, $3::int - 1) i`,
    [s.workspaceId, from, to],
  );
}
