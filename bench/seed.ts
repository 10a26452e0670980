// Preloads one workspace and mode with N leads and, in proportion, what intake and delivery leave
// behind: per lead one form response, one callback (completed), one event (fanned out) and one
// webhook delivery (succeeded), and a call log for every tenth lead. All of it in SQL with
// generate_series, a table per statement, so a million leads take about a minute.
//
// The rows look like production's: ids are ULIDs with their kind's prefix (schemas/ids.ts), and
// an id's time is its row's created_at, so keyset pages and created_before/created_after bounds
// behave as they would. Row i is made at `start + i` seconds, so growing a seed (10k, then 100k,
// then 1M in the same database) only appends newer rows, as time would.
//
// Loading is fast because the load does no per-row work it can do once: the tables' secondary
// indexes are dropped and rebuilt after the load (from their own definitions, so the schema's
// indexes are what is measured), and foreign-key triggers are off for the session (the rows are
// made consistent by construction). Then ANALYZE, as autovacuum would.
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { Pool } from "pg";
import { addDomain, createWorkspace } from "../admin/commands.ts";
import type * as schema from "../db/schema/index.ts";
import { webhookEndpoints } from "../db/schema/index.ts";
import { idPrefixes, type IdKind, newId } from "../schemas/ids.ts";

export type Seeded = { workspaceId: string; mode: "live" | "test"; domainId: string; endpointId: string };

/**
 * A workspace to seed, with its live secret key (every scope, and no rate limit a benchmark can
 * reach), the domain and the webhook endpoint its rows belong to, and a second domain and
 * endpoint with no rows: filters that match nothing.
 */
export async function seedWorkspace(db: NodePgDatabase<typeof schema>) {
  const made = await createWorkspace(db, { name: "Bench", plan: "enterprise", requestsPerHour: 1_000_000_000 });
  const owner = { workspaceId: made.workspace.id, mode: "live" as const };
  const domain = await addDomain(db, { ...owner, name: "bench.example" });
  const emptyDomain = await addDomain(db, { ...owner, name: "empty.example" });
  const endpoint = (url: string) => ({ ...owner, id: newId("webhookEndpoint"), url, enabled: false, secret: "unused: the bench sends nothing" });
  const [full, empty] = [endpoint("https://bench.example/hook"), endpoint("https://empty.example/hook")];
  await db.insert(webhookEndpoints).values([full, empty]);
  return {
    key: made.keys.live.key,
    owner: { ...owner, domainId: domain.id, endpointId: full.id } satisfies Seeded,
    emptyDomainId: emptyDomain.id,
    emptyEndpointId: empty.id,
  };
}

/** The time of lead 0; lead i is made i seconds later (a million leads span about 12 days). */
export const seedStart = Date.UTC(2025, 0, 1);

/** The tables a seed writes, and whose indexes it rebuilds. */
const tables = ["leads", "form_responses", "callbacks", "events", "webhook_deliveries", "call_logs"];

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

/** SQL for the `digits` base-32 digits of the bigint expression `value`, most significant first. */
function base32(value: string, digits: number): string {
  const parts = [];
  for (let i = digits - 1; i >= 0; i--) parts.push(`substr('${alphabet}', (((${value}) >> ${5 * i}) & 31)::int + 1, 1)`);
  return parts.join(" || ");
}

/**
 * SQL for the id of kind `kind` made at millisecond `ms` (a bigint expression): the time's ten
 * digits, then sixteen that are unique per row (`n`) and random after that, as newId makes them.
 */
function idSql(kind: IdKind, ms: string, n: string): string {
  return `'${idPrefixes[kind]}_' || ${base32(ms, 10)} || ${base32(n, 8)} || ${base32("(random() * 1099511627775)::bigint", 8)}`;
}

/** The phone of lead i: unique per lead, E.164. */
export const seedPhone = (i: number) => `+1415${String(i).padStart(7, "0")}`;

/**
 * Adds leads [from, to) and their rows to the workspace and mode. Call it again with the next
 * range to grow the seed.
 */
export async function seed(pool: Pool, owner: Seeded, from: number, to: number, log: (line: string) => void = () => {}): Promise<void> {
  const client = await pool.connect();
  let started = performance.now();
  // Where the time goes, for the terminal: loading rows or building indexes.
  const phase = (name: string) => {
    log(`seed ${from}–${to}: ${name} ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
  };
  try {
    await client.query("SET session_replication_role = replica"); // no FK triggers for the load
    await client.query("SET maintenance_work_mem = '256MB'");
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes i
       WHERE schemaname = 'public' AND tablename = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
      [tables],
    );
    for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);

    const ws = owner.workspaceId;
    const mode = owner.mode;
    // Lead i's time in milliseconds, as a bigint expression of the series' i.
    const ms = `(${seedStart}::bigint + i * 1000)`;
    const at = `to_timestamp(${ms} / 1000.0)`;
    const range = `generate_series(${from}, ${to - 1}) AS i`;
    // The ids of row i of each kind, written once and read by the rows that refer to them.
    const lead = idSql("lead", ms, "i");
    const formResponse = idSql("formResponse", ms, "i");
    const event = idSql("event", ms, "i");
    const params = [ws, mode];

    await client.query("BEGIN");
    // Row i is made i seconds after the start, so inserting in the order of i is inserting in
    // the order of every id: the primary keys only ever append.
    await client.query(`CREATE TEMP TABLE seed_ids ON COMMIT DROP AS SELECT i, ${lead} AS lead_id, ${formResponse} AS fr_id, ${event} AS event_id FROM ${range}`);
    await client.query(
      `INSERT INTO leads (id, workspace_id, mode, phone, phone_raw, name, email, country, domain_id, created_at, updated_at)
       SELECT lead_id, $1, $2::mode, '+1415' || lpad(i::text, 7, '0'), '415' || lpad(i::text, 7, '0'),
              'Lead ' || i, 'lead' || i || '@example.com', 'US', $3, ${at}, ${at}
       FROM seed_ids ORDER BY i`,
      [...params, owner.domainId],
    );
    await client.query(
      `INSERT INTO form_responses (id, workspace_id, mode, domain_id, lead_id, form_type, form_data, fingerprint, created_at)
       SELECT fr_id, $1, $2::mode, $3, lead_id, 'contact', jsonb_build_object('name', 'Lead ' || i, 'phone', '+1415' || lpad(i::text, 7, '0')),
              md5(i::text), ${at}
       FROM seed_ids ORDER BY i`,
      [...params, owner.domainId],
    );
    await client.query(
      `INSERT INTO callbacks (id, workspace_id, mode, lead_id, domain_id, source, source_id, status, scheduled_at, attempt_count,
                              retry_intervals_seconds, ended_reason, completed_at, created_at, updated_at)
       SELECT ${idSql("callback", ms, "i")}, $1, $2::mode, lead_id, $3, 'form_response', fr_id, 'completed', ${at}, 1,
              '{120,600,1800,7200}', 'answered', ${at} + interval '2 minutes', ${at}, ${at} + interval '2 minutes'
       FROM seed_ids ORDER BY i`,
      [...params, owner.domainId],
    );
    await client.query(
      `INSERT INTO events (id, workspace_id, mode, type, data, created_at, enqueued_at, sends, fanned_out_at)
       SELECT event_id, $1, $2::mode, 'form_response.created', jsonb_build_object('id', fr_id, 'lead_id', lead_id),
              ${at}, ${at}, 1, ${at}
       FROM seed_ids ORDER BY i`,
      params,
    );
    await client.query(
      `INSERT INTO webhook_deliveries (id, workspace_id, mode, event_id, endpoint_id, status, attempt_count, attempts, created_at, updated_at)
       SELECT ${idSql("webhookDelivery", ms, "i")}, $1, $2::mode, event_id, $3, 'succeeded', 1,
              jsonb_build_array(jsonb_build_object('at', to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'status_code', 200, 'latency_ms', 40, 'response_body', 'ok', 'error', null)),
              ${at}, ${at}
       FROM seed_ids ORDER BY i`,
      [...params, owner.endpointId],
    );
    // call_logs' id is an identity: rows come in order, and created_at follows it.
    await client.query(
      `INSERT INTO call_logs (workspace_id, mode, from_phone, to_phone, handled_by, department, start_time, end_time, recording_url, title, created_at)
       SELECT $1, $2::mode, '415' || lpad(i::text, 7, '0'), '+14155550100', 'Agent ' || (i % 20), 'sales',
              ${at} AT TIME ZONE 'UTC', (${at} + interval '3 minutes') AT TIME ZONE 'UTC', 'https://example.com/r/' || i, 'Call ' || i, ${at}
       FROM seed_ids WHERE i % 10 = 0 ORDER BY i`,
      params,
    );
    await client.query("COMMIT");
    phase("rows");
    for (const index of indexes) await client.query(index.def);
    phase(`${indexes.length} indexes`);
    for (const table of tables) await client.query(`ANALYZE ${table}`);
    phase("analyze");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    await client.query("RESET session_replication_role").catch(() => undefined);
    client.release();
  }
}
