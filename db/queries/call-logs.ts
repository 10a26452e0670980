import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { callLogs } from "../schema/index.ts";
import type { CallLog } from "../../schemas/call-logs.ts";
import { isoSql } from "./resources.ts";

// callvine's call logs (seed 001). A call log is a record of a call that already happened, not
// a lead: its phones are "a phone number or identifier" and are stored as given.

type Owner = { workspaceId: string; mode: "live" | "test" };

export type NewCallLog = {
  fromPhone: string;
  toPhone: string;
  handledBy: string;
  department: string | null;
  startTime: string; // YYYY-MM-DD HH:MM:SS, no zone
  endTime: string;
  recordingUrl: string;
  title: string;
};

// The seed's "YYYY-MM-DD HH:MM:SS"; created_at is turned to UTC first.
const seedTime = (column: SQL) => sql<string>`to_char(${column}, 'YYYY-MM-DD HH24:MI:SS')`;

/** Inserts the call log and returns it as stored: one statement, one round trip. */
export async function insertCallLog(db: Db, owner: Owner, log: NewCallLog) {
  const [row] = await db
    .insert(callLogs)
    .values({ ...owner, ...log })
    .returning({
      id: callLogs.id,
      fromPhone: callLogs.fromPhone,
      toPhone: callLogs.toPhone,
      handledBy: callLogs.handledBy,
      department: callLogs.department,
      startTime: seedTime(sql`${callLogs.startTime}`),
      endTime: seedTime(sql`${callLogs.endTime}`),
      recordingUrl: callLogs.recordingUrl,
      title: callLogs.title,
      createdAt: seedTime(sql`${callLogs.createdAt} AT TIME ZONE 'UTC'`),
    });
  if (!row) throw new Error("INSERT … RETURNING returned no row");
  return row;
}

// Reads on the native API (GET /v1/call_logs): newest first by the integer id, each as CallLog
// describes it. The seed's times are shown as stored; created_at is the native API's ISO UTC.

/** The log as CallLog describes it; `g` is a call_logs row. */
export function callLogJson(g: string): SQL {
  const col = (name: string) => sql.raw(`${g}."${name}"`);
  return sql`jsonb_build_object(
    'id', ${col("id")}, 'from_phone', ${col("from_phone")}, 'to_phone', ${col("to_phone")},
    'handled_by', ${col("handled_by")}, 'department', ${col("department")},
    'start_time', ${seedTime(col("start_time"))}, 'end_time', ${seedTime(col("end_time"))},
    'recording_url', ${col("recording_url")}, 'title', ${col("title")}, 'call_attempt_id', ${col("call_attempt_id")},
    'mode', ${col("mode")}, 'created_at', ${isoSql(col("created_at"))})`;
}

const ownedLog = (owner: Owner) => sql`g.workspace_id = ${owner.workspaceId} AND g.mode = ${owner.mode}::mode`;

/** The log with this id in the caller's workspace and mode; `id` must be a whole number (isCallLogId). */
export async function getCallLog(db: Db, owner: Owner, id: number): Promise<CallLog | null> {
  const { rows } = await db.execute<{ log: CallLog }>(sql`
    SELECT ${callLogJson("g")} AS log FROM call_logs g WHERE g.id = ${id}::int AND ${ownedLog(owner)}`);
  return rows[0]?.log ?? null;
}

export type CallLogFilters = {
  /** Digit strings (schemas/call-logs.ts phoneDigits): a log matches if from_phone's or to_phone's digits are one. */
  phoneDigits?: string[];
  handledBy?: string;
  callAttemptId?: string;
  before?: number; // the cursor's id: the page starts after it, newest first
};

const digitsOf = (column: SQL) => sql`regexp_replace(${column}, '[^0-9]', '', 'g')`;

/** Newest first; `limit + 1` rows so the caller can tell whether there is more. */
export async function listCallLogs(db: Db, owner: Owner, filters: CallLogFilters, limit: number): Promise<CallLog[]> {
  const where: SQL[] = [ownedLog(owner)];
  if (filters.phoneDigits) {
    const wanted = sql.join(filters.phoneDigits.map((d) => sql`${d}::text`), sql`, `);
    where.push(sql`(${digitsOf(sql`g.from_phone`)} IN (${wanted}) OR ${digitsOf(sql`g.to_phone`)} IN (${wanted}))`);
  }
  if (filters.handledBy) where.push(sql`g.handled_by = ${filters.handledBy}`);
  if (filters.callAttemptId) where.push(sql`g.call_attempt_id = ${filters.callAttemptId}`);
  if (filters.before !== undefined) where.push(sql`g.id < ${filters.before}::int`);
  const { rows } = await db.execute<{ log: CallLog }>(sql`
    SELECT ${callLogJson("g")} AS log FROM call_logs g
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY g.id DESC LIMIT ${limit + 1}`);
  return rows.map((row) => row.log);
}
