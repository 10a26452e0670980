// An Upstash REST bridge in front of a real Redis (or an in-memory one), exact to what
// @upstash/redis 1.39 sends: `POST /` with one command, `POST /pipeline` and `POST /multi-exec` with
// a list of them, a bearer token, and base64 replies when asked for (see LOCAL-STACK.md).
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { countedServer } from "./counted-server.ts";
import { BadRequest, closeServer, listenOnLoopback, readJson, sendJson } from "./loopback.ts";
import { openBackend, type Outcome, type RedisBackend } from "./upstash-backend.ts";
import { CommandError, CommandPreparer, type Prepared } from "./upstash-commands.ts";
import { encodeReply } from "./upstash-encode.ts";

export interface UpstashBridgeOptions {
  /** A Redis URL such as redis://127.0.0.1:6379; without one, data lives in memory (ioredis-mock). */
  redisUrl?: string;
  token: string;
  port?: number;
}

export interface UpstashBridge {
  url: string;
  token: string;
  port: number;
  backend: "redis" | "memory";
  /** HTTP requests served so far: one per round trip the client makes (bench/ counts them). */
  readonly requests: number;
  close(): Promise<void>;
}

type Reply = { result: unknown } | { error: string };

export async function startUpstashBridge(opts: UpstashBridgeOptions): Promise<UpstashBridge> {
  if (opts.token === "") throw new Error("upstash-bridge: a token is required");
  const backend = await openBackend(opts.redisUrl);
  const preparer = new CommandPreparer();

  // The client also sends `upstash-sync-token` for read-your-writes across Upstash replicas. There is
  // one Redis here, so every read already sees every write: the header is accepted and ignored, and
  // none is sent back (the client then keeps sending an empty one, as on its first request).
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") return sendJson(res, 405, { error: "Method not allowed" });
    if (!authorized(req, opts.token)) return sendJson(res, 401, { error: "Unauthorized" });
    // Said at once, so the Worker fails open at once instead of at its deadline.
    if (!backend.ready()) return sendJson(res, 503, { error: "ERR Redis is unreachable" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = new URL(req.url ?? "/", "http://bridge").pathname;
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, { error: `ERR ${err.message}` });
      throw err;
    }

    if (path === "/") {
      const [reply] = await runPipeline(backend, preparer, [body], base64);
      return sendJson(res, reply !== undefined && "error" in reply ? 400 : 200, reply);
    }
    if (path !== "/pipeline" && path !== "/multi-exec") return sendJson(res, 404, { error: "ERR not found" });
    if (!Array.isArray(body) || body.length === 0) {
      return sendJson(res, 400, { error: "ERR expected a non-empty JSON array of commands" });
    }
    if (path === "/pipeline") return sendJson(res, 200, await runPipeline(backend, preparer, body, base64));
    const replies = await runTransaction(backend, preparer, body, base64);
    sendJson(res, Array.isArray(replies) ? 200 : 400, replies);
  };

  const counted = countedServer("upstash-bridge", handle, { error: "ERR internal error in the upstash bridge" });
  const { server } = counted;
  let port: number;
  try {
    port = await listenOnLoopback(server, opts.port);
  } catch (err) {
    await backend.close();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    token: opts.token,
    port,
    backend: backend.kind,
    get requests() {
      return counted.requests;
    },
    async close() {
      await closeServer(server);
      await backend.close();
    },
  };
}

// A command the bridge refuses fails alone, as a command Redis refuses does.
async function runPipeline(
  backend: RedisBackend,
  preparer: CommandPreparer,
  commands: unknown[],
  base64: boolean,
): Promise<Reply[]> {
  const prepared = commands.map((command) => {
    try {
      return preparer.prepare(command);
    } catch (err) {
      if (err instanceof CommandError) return err;
      throw err;
    }
  });
  const runnable = prepared.filter((p): p is Prepared => !(p instanceof CommandError));
  const outcomes = await backend.pipeline(runnable.map((p) => p.args));
  let next = 0;
  return prepared.map((p) =>
    p instanceof CommandError ? { error: p.message } : toReply(p, outcomes[next++], base64),
  );
}

// Upstash answers a discarded transaction with one error for all of it: when the bridge refuses a
// command, and when Redis aborts with EXECABORT.
async function runTransaction(
  backend: RedisBackend,
  preparer: CommandPreparer,
  commands: unknown[],
  base64: boolean,
): Promise<Reply[] | { error: string }> {
  let prepared: Prepared[];
  try {
    prepared = commands.map((command) => preparer.prepare(command));
  } catch (err) {
    if (err instanceof CommandError) return { error: err.message };
    throw err;
  }
  let outcomes: Outcome[];
  try {
    outcomes = await backend.transaction(prepared.map((p) => p.args));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  return prepared.map((p, i) => toReply(p, outcomes[i], base64));
}

function toReply(prepared: Prepared, outcome: Outcome | undefined, base64: boolean): Reply {
  if (outcome === undefined) return { error: "ERR no reply from Redis" };
  if (!outcome.ok) return { error: outcome.error.message };
  return { result: encodeReply(prepared.finish(outcome.value), base64) };
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = header.startsWith("Bearer ")
    ? header.slice("Bearer ".length)
    : (new URL(req.url ?? "/", "http://bridge").searchParams.get("_token") ?? "");
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
