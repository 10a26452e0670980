// Turning the JSON commands @upstash/redis sends into what a Redis 7 behind ioredis accepts, and
// its replies back into what Upstash would have answered.
import { createHash } from "node:crypto";
import type { Arg } from "./upstash-backend.ts";

export class CommandError extends Error {}

export interface Prepared {
  args: Arg[];
  /** Maps the backend's reply to the reply Upstash gives for the command as the client sent it. */
  finish(reply: unknown): unknown;
}

// The bridge shares one connection between all requests, so commands that change the state of
// that connection, or hold it, are refused (Upstash refuses most of them too).
const CONNECTION_COMMANDS = new Set([
  "auth", "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax", "bzpopmin",
  "client", "discard", "exec", "hello", "monitor", "multi", "psubscribe", "punsubscribe", "quit",
  "reset", "select", "ssubscribe", "subscribe", "sunsubscribe", "unsubscribe", "unwatch", "wait",
  "watch",
]);

const identity = (reply: unknown) => reply;

export class CommandPreparer {
  // Scripts from @upstash/ratelimit >= 2.1 start with `#!lua flags=allow-key-locking`, which only
  // Upstash understands. Redis gets them without it, so it knows them by another SHA than the one
  // the client computed; this maps the client's SHA to Redis's.
  readonly #redisSha = new Map<string, string>();

  prepare(raw: unknown): Prepared {
    const args = parseCommand(raw);
    const name = String(args[0]).toLowerCase();
    args[0] = name;
    if (CONNECTION_COMMANDS.has(name)) throw new CommandError(`ERR command is not available: '${name}'`);

    if ((name === "eval" || name === "eval_ro") && args.length > 1) {
      args[1] = this.#strip(String(args[1])).script;
    } else if ((name === "evalsha" || name === "evalsha_ro") && args.length > 1) {
      const sha = String(args[1]).toLowerCase();
      args[1] = this.#redisSha.get(sha) ?? sha;
    } else if (name === "script" && String(args[1]).toLowerCase() === "load" && args.length > 2) {
      const { script, clientSha } = this.#strip(String(args[2]));
      args[2] = script;
      // Answer with the SHA of the script the client sent, the one it will ask EVALSHA for.
      return { args, finish: (reply) => (clientSha ?? reply) };
    } else if (name === "hgetall") {
      return { args, finish: flattenHash };
    }
    return { args, finish: identity };
  }

  #strip(script: string): { script: string; clientSha?: string } {
    const stripped = stripUpstashFlags(script);
    if (stripped === script) return { script };
    const clientSha = sha1(script);
    this.#redisSha.set(clientSha, sha1(stripped));
    return { script: stripped, clientSha };
  }
}

// Removes the Upstash-only flag and keeps the line, so Lua error line numbers still match.
export function stripUpstashFlags(script: string): string {
  const shebang = /^#!lua([^\n]*)/.exec(script);
  if (shebang === null) return script;
  const flags = /\bflags=(\S*)/.exec(shebang[1] ?? "")?.[1]?.split(",") ?? [];
  if (!flags.includes("allow-key-locking")) return script;
  const kept = flags.filter((flag) => flag !== "allow-key-locking" && flag !== "");
  const line = kept.length > 0 ? `#!lua flags=${kept.join(",")}` : "";
  return line + script.slice(shebang[0].length);
}

function parseCommand(raw: unknown): Arg[] {
  if (!Array.isArray(raw) || raw.length === 0 || typeof raw[0] !== "string") {
    throw new CommandError("ERR a command is a JSON array: [name, ...args]");
  }
  return raw.map((arg: unknown) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    throw new CommandError("ERR command arguments must be strings or numbers");
  });
}

// ioredis (and ioredis-mock) turn HGETALL's flat reply into an object; Upstash sends the flat array.
function flattenHash(reply: unknown): unknown {
  if (reply === null || typeof reply !== "object" || Array.isArray(reply)) return reply;
  return Object.entries(reply).flat();
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
