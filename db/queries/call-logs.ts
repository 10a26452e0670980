import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { callLogs } from "../schema/index.ts";

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
