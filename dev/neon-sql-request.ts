// Reading the parts of a Neon `POST /sql` request that decide where and how queries run.
import type { IncomingHttpHeaders } from "node:http";
import { BadRequest } from "./loopback.ts";

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
  application_name?: string;
}

// Query-string options other than application_name are dropped on purpose: `?host=` would slip past
// the allow-list, and `?sslmode=require` (right for Neon) fails against a local plain-TCP server.
export function parseConnectionString(connectionString: string): PgTarget | undefined {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return undefined;
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") return undefined;
  if (url.hostname === "") return undefined;
  const port = url.port === "" ? 5432 : Number(url.port);
  const target: PgTarget = {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    user: decodeURIComponent(url.username),
  };
  if (url.password !== "") target.password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.slice(1));
  if (database !== "") target.database = database;
  const applicationName = url.searchParams.get("application_name");
  if (applicationName !== null) target.application_name = applicationName;
  return target;
}

// The driver names isolation levels after Neon's API enum, not SQL.
const ISOLATION_LEVELS: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

export function beginStatement(headers: IncomingHttpHeaders): string {
  const parts = ["BEGIN"];
  const level = headers["neon-batch-isolation-level"];
  if (typeof level === "string") {
    const sql = ISOLATION_LEVELS[level];
    if (sql === undefined) throw new BadRequest(`unknown Neon-Batch-Isolation-Level: ${level}`);
    parts.push(`ISOLATION LEVEL ${sql}`);
  }
  const readOnly = flag(headers, "neon-batch-read-only");
  if (readOnly !== undefined) parts.push(readOnly ? "READ ONLY" : "READ WRITE");
  const deferrable = flag(headers, "neon-batch-deferrable");
  if (deferrable !== undefined) parts.push(deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
  return parts.join(" ");
}

function flag(headers: IncomingHttpHeaders, name: string): boolean | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new BadRequest(`${name} must be "true" or "false"`);
}
