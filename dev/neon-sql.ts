// A stand-in for Neon's HTTP `POST /sql` endpoint in front of a local PostgreSQL, so that `neon()`
// and drizzle-orm/neon-http run unchanged when `neonConfig.fetchEndpoint` points here. The wire
// format follows what @neondatabase/serverless 1.2 sends and parses (see LOCAL-STACK.md).
import type { IncomingMessage, ServerResponse } from "node:http";
import pg from "pg";
import { countedServer } from "./counted-server.ts";
import {
  BadRequest,
  LOOPBACK_HOSTS,
  closeServer,
  isAllowedHost,
  isLoopbackOrigin,
  listenOnLoopback,
  readJson,
  sendJson,
} from "./loopback.ts";
import { beginStatement, parseConnectionString, type PgTarget } from "./neon-sql-request.ts";

export interface NeonSqlOptions {
  port?: number;
  allowedHosts?: string[];
}

export interface NeonSqlServer {
  url: string;
  port: number;
  /** HTTP requests served so far: one per round trip the driver makes (bench/ counts them). */
  readonly requests: number;
  close(): Promise<void>;
}

interface SqlQuery {
  query: string;
  params: unknown[];
}

interface ResultShape {
  rawText: boolean;
  arrayMode: boolean;
}

// The driver parses every value itself, by dataTypeID, so pg must hand back Postgres's own text.
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

// Fields of pg's DatabaseError, sent back under the names the driver copies onto NeonDbError.
const ERROR_FIELDS = [
  "severity", "code", "detail", "hint", "position", "internalPosition", "internalQuery", "where",
  "schema", "table", "column", "dataType", "constraint", "file", "line", "routine",
] as const;

export async function startNeonSql(opts: NeonSqlOptions = {}): Promise<NeonSqlServer> {
  const allowedHosts = opts.allowedHosts ?? LOOPBACK_HOSTS;
  const pools = new Map<string, pg.Pool>();

  const poolFor = (connectionString: string, target: PgTarget): pg.Pool => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ ...target, max: 4, idleTimeoutMillis: 10_000 });
      pool.on("error", (err) => console.error("neon-sql: idle PostgreSQL connection failed:", err.message));
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const cors = corsHeaders(req);
    if (req.method === "OPTIONS") return preflight(req, res, cors);
    if (req.method !== "POST" || new URL(req.url ?? "/", "http://x").pathname !== "/sql") {
      return sendJson(res, 404, { message: "not found: only POST /sql is served here" }, cors);
    }
    const connectionString = header(req, "neon-connection-string");
    const target = connectionString === undefined ? undefined : parseConnectionString(connectionString);
    if (connectionString === undefined || target === undefined) {
      return sendJson(res, 400, { message: "missing or invalid Neon-Connection-String header" }, cors);
    }
    if (!isAllowedHost(target.host, allowedHosts)) {
      return sendJson(res, 403, { message: `database host ${target.host} is not allowed here` }, cors);
    }
    const shape: ResultShape = {
      rawText: header(req, "neon-raw-text-output") === "true",
      arrayMode: header(req, "neon-array-mode") === "true",
    };
    try {
      const body = await readJson(req);
      const pool = poolFor(connectionString, target);
      const result = isBatch(body)
        ? { results: await runBatch(pool, body.queries.map(toQuery), beginStatement(req.headers), shape) }
        : toNeonResult(await pool.query(queryConfig(toQuery(body), shape)), shape);
      sendJson(res, 200, result, cors);
    } catch (err) {
      sendError(res, err, target, cors);
    }
  };

  const counted = countedServer("neon-sql", handle, { message: "internal error in the neon-sql dev server" });
  const { server } = counted;
  const port = await listenOnLoopback(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}/sql`,
    port,
    get requests() {
      return counted.requests;
    },
    async close() {
      await closeServer(server);
      await Promise.all([...pools.values()].map((pool) => pool.end()));
      pools.clear();
    },
  };
}

async function runBatch(pool: pg.Pool, queries: SqlQuery[], begin: string, shape: ResultShape) {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const results = [];
    for (const query of queries) results.push(toNeonResult(await client.query(queryConfig(query, shape)), shape));
    await client.query("COMMIT");
    return results;
  } catch (err) {
    // A connection that cannot even roll back is not given back to the pool.
    await client.query("ROLLBACK").catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    client.release(broken);
  }
}

function queryConfig(query: SqlQuery, shape: ResultShape): pg.QueryConfig {
  return {
    text: query.query,
    values: query.params,
    ...(shape.arrayMode ? { rowMode: "array" } : {}),
    ...(shape.rawText ? { types: RAW_TEXT } : {}),
    // Neon runs every query through the extended protocol, which refuses several statements in one.
    queryMode: "extended",
  } as pg.QueryConfig;
}

function toNeonResult(result: pg.QueryResult, shape: ResultShape) {
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields.map((f) => ({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: f.format,
    })),
    rowAsArray: shape.arrayMode,
  };
}

function isBatch(body: unknown): body is { queries: unknown[] } {
  return typeof body === "object" && body !== null && Array.isArray((body as { queries?: unknown }).queries);
}

function toQuery(value: unknown): SqlQuery {
  const { query, params = [] } = (value ?? {}) as { query?: unknown; params?: unknown };
  if (typeof query !== "string" || !Array.isArray(params)) {
    throw new BadRequest("expected a body of {query, params} or {queries: [{query, params}, ...]}");
  }
  return { query, params };
}

function sendError(res: ServerResponse, err: unknown, target: PgTarget, cors: Record<string, string>) {
  if (err instanceof pg.DatabaseError) {
    const body: Record<string, unknown> = { message: err.message };
    for (const field of ERROR_FIELDS) body[field] = err[field];
    return sendJson(res, 400, body, cors);
  }
  if (err instanceof BadRequest) return sendJson(res, 400, { message: err.message }, cors);
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    const message = `could not reach PostgreSQL at ${target.host}:${target.port}: ${(err as Error).message}`;
    return sendJson(res, 502, { message }, cors);
  }
  throw err;
}

// Browsers send a preflight for the driver's custom headers. Only loopback pages get an answer:
// any other site could otherwise use a developer's browser to query their local database.
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined || !isLoopbackOrigin(origin)) return {};
  return { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
}

function preflight(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): void {
  const headers: Record<string, string> = { ...cors, Vary: "Origin" };
  if (cors["Access-Control-Allow-Origin"] !== undefined) {
    headers["Access-Control-Allow-Methods"] = "POST, OPTIONS";
    headers["Access-Control-Allow-Headers"] = header(req, "access-control-request-headers") ?? "*";
    headers["Access-Control-Max-Age"] = "86400";
  }
  res.writeHead(204, headers).end();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
