import { drizzle } from "drizzle-orm/node-postgres";
import { parseArgs } from "node:util";
import pg from "pg";
import { Keyring, KeyringError } from "../functions/lib/secrets.ts";
import { Redis } from "@upstash/redis";
import { revokedMarkerKey, revokedMarkerSeconds } from "../functions/lib/revoked-marker.ts";
import * as schema from "../db/schema/index.ts";
import { AdminError, addAgent, addDomain, createKey, createWorkspace, listAll, revokeKey, rotateSecrets, updateWorkspace, type AdminDb, type WebhookSettings } from "./commands.ts";
import { findDatabase } from "./database.ts";
import { usage } from "./usage.ts";
import { createUser, listUsers, roleOf } from "./users.ts";
import { createLink, listLinksOf, revokeLinkById } from "./links.ts";

const options = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  name: { type: "string" },
  plan: { type: "string" },
  "requests-per-hour": { type: "string" },
  "callbacks-per-phone-per-hour": { type: "string" },
  email: { type: "string" },
  role: { type: "string" },
  password: { type: "string" },
  "password-stdin": { type: "boolean" },
  workspace: { type: "string" },
  mode: { type: "string" },
  kind: { type: "string" },
  scopes: { type: "string" },
  agent: { type: "string" },
  origin: { type: "string", multiple: true },
  id: { type: "string" },
  timezone: { type: "string" },
  country: { type: "string" },
  "no-auto-callback": { type: "boolean" },
  "require-consent": { type: "boolean" },
  "calling-hours": { type: "string" },
  "no-agent-accept": { type: "boolean" },
  voicemail: { type: "string" },
  "stop-after-voicemail": { type: "boolean" },
  "release-spacing": { type: "string" },
  "simultaneous-ring": { type: "string" },
  unavailable: { type: "boolean" },
  schedule: { type: "string" },
  phone: { type: "string" },
  department: { type: "string" },
  "webhook-url": { type: "string" },
  "post-call-json": { type: "string" },
  domain: { type: "string" },
  param: { type: "string", multiple: true },
  "expires-in": { type: "string" },
  "thank-you": { type: "string" },
  status: { type: "string" },
} as const;

type CommandLine = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
type Flags = CommandLine["values"];

const commands = ["workspace create", "workspace update", "key create", "key revoke", "domain add", "agent add", "user create", "user list", "list", "secrets rotate", "link create", "link list", "link revoke"];
const plans = ["free", "pro", "enterprise"] as const;

/** The command named by the first words, and what follows it (only `workspace update` takes an argument: the id). */
function commandOf(positionals: string[]): { command: string; args: string[] } {
  const words = commands.find((c) => c.split(" ").every((word, i) => positionals[i] === word));
  if (!words) throw new AdminError(`unknown command "${positionals.join(" ")}"\n\n${usage}`);
  const args = positionals.slice(words.split(" ").length);
  const takes = words === "workspace update" ? 1 : 0;
  if (args.length > takes) throw new AdminError(`${words}: unexpected argument "${args[takes]}"`);
  return { command: words, args };
}

async function run(command: string, args: string[], flags: Flags, db: AdminDb): Promise<unknown> {
  const need = (name: keyof Flags): string => {
    const value = flags[name];
    if (typeof value !== "string" || value === "") throw new AdminError(`${command} needs --${name}`);
    return value;
  };
  // Nothing defaults to live: a live agent or key rings real phones, and one made in the other mode
  // is invisible to the key the user holds.
  const mode = () => {
    if (flags.mode === undefined) throw new AdminError(`${command} needs --mode test or --mode live: a test key sees only test domains and agents (and places no real calls), a live key only live ones`);
    return oneOf(flags.mode, ["live", "test"] as const, "--mode");
  };
  switch (command) {
    case "workspace create":
      return createWorkspace(db, {
        name: need("name"),
        plan: oneOf(flags.plan ?? "free", plans, "--plan"),
        requestsPerHour: flags["requests-per-hour"] === undefined ? undefined : limit(flags["requests-per-hour"], "--requests-per-hour"),
        callbacksPerPhonePerHour: flags["callbacks-per-phone-per-hour"] === undefined ? undefined : limit(flags["callbacks-per-phone-per-hour"], "--callbacks-per-phone-per-hour"),
        timezone: flags.timezone,
        callingHours: flags["calling-hours"],
      });
    case "workspace update": {
      const id = args[0] ?? flags.workspace;
      if (!id) throw new AdminError("workspace update needs the workspace's id: workspace update ws_… --plan enterprise");
      return updateWorkspace(db, id, {
        plan: flags.plan === undefined ? undefined : oneOf(flags.plan, plans, "--plan"),
        requestsPerHour: limitOrDefault(flags["requests-per-hour"], "--requests-per-hour"),
        callbacksPerPhonePerHour: limitOrDefault(flags["callbacks-per-phone-per-hour"], "--callbacks-per-phone-per-hour"),
      });
    }
    case "user create":
      return createUser(db, {
        email: need("email"),
        workspaceId: need("workspace"),
        role: roleOf(need("role")),
        name: flags.name,
        password: await passwordOf(flags),
      });
    case "user list":
      return listUsers(db, flags.workspace);
    case "key create":
      return createKey(db, {
        workspaceId: need("workspace"),
        mode: mode(),
        kind: oneOf(flags.kind ?? "secret", ["secret", "publishable"] as const, "--kind"),
        name: flags.name,
        scopes: flags.scopes?.split(",").map((s) => s.trim()).filter(Boolean),
        agentId: flags.agent,
        allowedOrigins: flags.origin,
      });
    case "key revoke": {
      const revoked = await revokeKey(db, need("id"));
      return { ...revoked, workers: await markRevokedFromCli(revoked.id) };
    }
    case "domain add":
      return addDomain(db, {
        workspaceId: need("workspace"),
        mode: mode(),
        name: need("name"),
        timezone: flags.timezone,
        country: flags.country,
        autoCallback: !flags["no-auto-callback"],
        requireConsent: flags["require-consent"] ?? false,
        callingHours: flags["calling-hours"],
        agentAccept: !flags["no-agent-accept"],
        voicemail: flags.voicemail,
        retryAfterVoicemail: !flags["stop-after-voicemail"],
        releaseSpacingSeconds: flags["release-spacing"] === undefined ? undefined : wholeNumber(flags["release-spacing"]),
        simultaneousRing: flags["simultaneous-ring"] === undefined ? undefined : positiveInt(flags["simultaneous-ring"]),
      });
    case "agent add":
      return addAgent(db, {
        workspaceId: need("workspace"),
        mode: mode(),
        name: need("name"),
        phone: need("phone"),
        department: flags.department,
        webhookUrl: flags["webhook-url"],
        postCallJson: oneOf(flags["post-call-json"] ?? "compact", ["compact", "python"] as const, "--post-call-json"),
        available: !flags.unavailable,
        timezone: flags.timezone,
        schedule: flags.schedule,
      }, webhookSettings());
    case "list":
      return listAll(db, flags.workspace);
    case "link create":
      return createLink(db, webhookSettings().keyring(), {
        domainId: need("domain"),
        mode: mode(),
        params: flags.param ?? [],
        expiresIn: flags["expires-in"],
        thankYou: flags["thank-you"],
      });
    case "link list":
      return listLinksOf(db, webhookSettings().keyring(), { workspaceId: need("workspace"), mode: mode() }, flags.status);
    case "link revoke":
      return revokeLinkById(db, webhookSettings().keyring(), need("id"));
    case "secrets rotate":
      return rotateSecrets(db, webhookSettings().keyring());
    default:
      throw new AdminError(`unknown command "${command}"`);
  }
}

/** The Worker's webhook settings, from this process's environment: read when a command needs them. */
function webhookSettings(): WebhookSettings {
  const loopback = process.env.WEBHOOKS_ALLOW_LOOPBACK_HTTP ?? "false";
  if (!["true", "false", "1", "0"].includes(loopback)) throw new AdminError("WEBHOOKS_ALLOW_LOOPBACK_HTTP must be true or false");
  return {
    urlPolicy: { allowLoopbackHttp: loopback === "true" || loopback === "1" },
    keyring: () => {
      const text = process.env.SECRETS_KEYS;
      if (!text) throw new AdminError("SECRETS_KEYS is not set: webhook secrets are sealed with the Worker's keyring (npm run dev prints how to set it)");
      try {
        return Keyring.parse(text);
      } catch (err) {
        if (err instanceof KeyringError) throw new AdminError(`SECRETS_KEYS ${err.message}`);
        throw err;
      }
    },
  };
}

function oneOf<const T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new AdminError(`${flag} must be one of ${allowed.join(", ")}`);
  return value as T;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new AdminError(`${value} is not a whole number`);
  return n;
}

const maxLimit = 1_000_000_000;

function limit(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > maxLimit) throw new AdminError(`${flag} must be a whole number from 1 to ${maxLimit.toLocaleString("en")}, or default`);
  return n;
}

/** N, or `default` (null: the plan's); undefined when the flag is not given. */
function limitOrDefault(value: string | undefined, flag: string): number | null | undefined {
  if (value === undefined) return undefined;
  return value === "default" ? null : limit(value, flag);
}

/** --password, or the first line of stdin with --password-stdin (out of shell history and ps). */
async function passwordOf(flags: Flags): Promise<string | undefined> {
  if (flags["password-stdin"] && flags.password !== undefined) throw new AdminError("give --password or --password-stdin, not both");
  if (!flags["password-stdin"]) return flags.password;
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  const line = text.split(/\r?\n/)[0] ?? "";
  if (line === "") throw new AdminError("--password-stdin read no password");
  return line;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new AdminError(`${value} is not a positive whole number`);
  return n;
}

async function main(): Promise<number> {
  let parsed: CommandLine;
  try {
    parsed = parseArgs({ options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail((err as Error).message, process.argv.includes("--json"));
  }
  const { values: flags, positionals } = parsed;
  if (flags.help || positionals.length === 0) {
    console.log(usage);
    return flags.help ? 0 : 2;
  }
  let pool: pg.Pool | undefined;
  try {
    const { command, args } = commandOf(positionals);
    const target = findDatabase();
    if (target.secretsKeys) process.env.SECRETS_KEYS = target.secretsKeys;
    // Signed links point at PUBLIC_URL, else at the running npm run dev.
    if (target.workerUrl && !process.env.PUBLIC_URL) process.env.PUBLIC_URL = target.workerUrl;
    if (!flags.json) console.error(`admin: using the database from ${target.from}`);
    else if (process.env.npm_lifecycle_event === "admin" && process.env.npm_config_loglevel !== "silent") {
      console.error("admin: npm printed its own lines on stdout before the JSON; `npm run -s admin -- …` prints the JSON alone");
    }
    pool = new pg.Pool({ connectionString: target.url, max: 4 });
    const result = await run(command, args, flags, drizzle(pool, { schema }));
    console.log(flags.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    return 0;
  } catch (err) {
    if (err instanceof AdminError) return fail(err.message, flags.json);
    // Database errors name a constraint or a column, never a credential: they are safe to show.
    return fail(`failed: ${(err as Error).message}`, flags.json);
  } finally {
    await pool?.end().catch(() => {});
  }
}

function fail(message: string, json: boolean | undefined): number {
  if (json) console.log(JSON.stringify({ error: message }));
  else console.error(`admin: ${message}`);
  return 1;
}

process.exitCode = await main();

/**
 * Workers cache a key for up to a minute and check a revocation marker in Redis on each request
 * (functions/lib/key-cache.ts): the CLI writes it when it has the deployment's Redis settings.
 */
async function markRevokedFromCli(keyId: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token, REDIS_PREFIX: prefix } = env;
  if (!url || !token || !prefix) {
    return "no Redis settings (UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN, REDIS_PREFIX): Workers that cached the key stop accepting it within 60 seconds";
  }
  try {
    const redis = new Redis({ url, token, enableTelemetry: false, retry: false, signal: () => AbortSignal.timeout(5000) });
    await redis.set(revokedMarkerKey(prefix, keyId), "1", { ex: revokedMarkerSeconds });
    return "refused from the next request on (marker written to Redis)";
  } catch (err) {
    return `the marker could not be written to Redis (${err instanceof Error ? err.message : String(err)}): Workers that cached the key stop accepting it within 60 seconds`;
  }
}
