import { drizzle } from "drizzle-orm/node-postgres";
import { parseArgs } from "node:util";
import pg from "pg";
import { Keyring, KeyringError } from "../functions/lib/secrets.ts";
import * as schema from "../db/schema/index.ts";
import { AdminError, addAgent, addDomain, createKey, createWorkspace, listAll, revokeKey, rotateSecrets, type AdminDb, type WebhookSettings } from "./commands.ts";

const usage = `npm run admin -- <command> [options] [--json]

  workspace create --name NAME [--plan free|pro|enterprise] [--requests-per-hour N]
                   [--timezone IANA] [--calling-hours HH:MM-HH:MM]
                                   a workspace with a live and a test secret key; its zone is
                                   the lead's for callbacks without a domain when nothing
                                   else says where the lead is; its calling hours, in the
                                   lead's zone, narrow the law's for all its callbacks
  key create --workspace ID [--mode live|test] [--kind secret|publishable]
             [--name NAME] [--scopes a,b] [--agent ID] [--origin URL]...
  key revoke --id ID
  domain add --workspace ID --name NAME [--mode live|test] [--timezone IANA]
             [--country XX] [--no-auto-callback] [--require-consent]
             [--calling-hours HH:MM-HH:MM]   (default 08:00-21:00; only narrows the law's)
             [--no-agent-accept]             the lead is bridged when the agent answers, no 1 pressed
             [--voicemail TEXT [--stop-after-voicemail]]   a lead's voicemail is left TEXT
                                             (else hung up on and retried); then the callback
                                             retries, or ends with --stop-after-voicemail
             [--release-spacing SECONDS]     callbacks held for the same opening leave this far
                                             apart per available agent (default 60; 0: at once)
             [--simultaneous-ring N]         ring up to N agents at once (1 to 10; default 1):
                                             the first to press 1 takes the call
  agent add --workspace ID --name NAME --phone +E164 [--mode live|test]
            [--department D] [--webhook-url URL [--post-call-json compact|python]]
            [--unavailable] [--timezone IANA] [--schedule '{"1":[["09:00","17:00"]],…}']
                                   an agent switched off, or rung only in a weekly schedule
                                   (ISO weekdays, 1 = Monday) in their zone (else the workspace's)
  list [--workspace ID]            workspaces, keys (never the keys themselves), domains, agents
  secrets rotate                   seals every webhook and agent secret under the first key of
                                   SECRETS_KEYS (after a keyring rotation, and for plaintext
                                   secrets from before sealing)

Works against DATABASE_URL. With --json, prints one JSON object and nothing else.
Keys are printed once, when made; only their sha256 is stored.
Webhook secrets are sealed with SECRETS_KEYS (the Worker's keyring), which agent add
--webhook-url and secrets rotate read from the environment; a webhook URL must pass the
Worker's rules, with WEBHOOKS_ALLOW_LOOPBACK_HTTP=true if set here as for the Worker.`;

const options = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  name: { type: "string" },
  plan: { type: "string" },
  "requests-per-hour": { type: "string" },
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
} as const;

type CommandLine = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>;
type Flags = CommandLine["values"];

async function run(command: string, flags: Flags, db: AdminDb): Promise<unknown> {
  const need = (name: keyof Flags): string => {
    const value = flags[name];
    if (typeof value !== "string" || value === "") throw new AdminError(`${command} needs --${name}`);
    return value;
  };
  const mode = oneOf(flags.mode ?? "live", ["live", "test"] as const, "--mode");
  switch (command) {
    case "workspace create":
      return createWorkspace(db, {
        name: need("name"),
        plan: oneOf(flags.plan ?? "free", ["free", "pro", "enterprise"] as const, "--plan"),
        requestsPerHour: flags["requests-per-hour"] === undefined ? undefined : positiveInt(flags["requests-per-hour"]),
        timezone: flags.timezone,
        callingHours: flags["calling-hours"],
      });
    case "key create":
      return createKey(db, {
        workspaceId: need("workspace"),
        mode,
        kind: oneOf(flags.kind ?? "secret", ["secret", "publishable"] as const, "--kind"),
        name: flags.name,
        scopes: flags.scopes?.split(",").map((s) => s.trim()).filter(Boolean),
        agentId: flags.agent,
        allowedOrigins: flags.origin,
      });
    case "key revoke":
      return revokeKey(db, need("id"));
    case "domain add":
      return addDomain(db, {
        workspaceId: need("workspace"),
        mode,
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
        mode,
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
    case "secrets rotate":
      return rotateSecrets(db, webhookSettings().keyring());
    default:
      throw new AdminError(`unknown command "${command}"\n\n${usage}`);
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
  const url = process.env.DATABASE_URL;
  if (!url) return fail("DATABASE_URL is not set: point it at the Ringback database", flags.json);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    const result = await run(positionals.join(" "), flags, drizzle(pool, { schema }));
    console.log(flags.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    return 0;
  } catch (err) {
    if (err instanceof AdminError) return fail(err.message, flags.json);
    // Database errors name a constraint or a column, never a credential: they are safe to show.
    return fail(`failed: ${(err as Error).message}`, flags.json);
  } finally {
    await pool.end().catch(() => {});
  }
}

function fail(message: string, json: boolean | undefined): number {
  if (json) console.log(JSON.stringify({ error: message }));
  else console.error(`admin: ${message}`);
  return 1;
}

process.exitCode = await main();
