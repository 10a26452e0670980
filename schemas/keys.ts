import { z } from "zod";
import { Mode } from "./account.ts";
import { idCursor, listQuery, page, Time } from "./common.ts";
import { Scope, scopes } from "./scopes.ts";

// API keys on the management API (/v1/keys). A key is shown whole once, in the answer that made
// it; afterwards only its prefix and last four characters. Keys are made in the mode of the key
// that makes them, and never with more authority than it has (keyAuthorityGap).

export const KeyKind = z.enum(["secret", "publishable"]).describe("secret: servers; publishable: web pages, lead intake only");

const Origin = z
  .string()
  .max(200)
  .refine((value) => URL.canParse(value) && new URL(value).origin === value, "must be an origin such as https://example.com, without a path or a trailing slash")
  .describe("scheme://host[:port], as browsers send it in Origin");

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const unique = <T>(items: T[]) => new Set(items).size === items.length;
// Checked even when other fields are invalid, so every issue is reported at once.
const whenObject = ({ value }: { value: unknown }) => isObject(value);

export const CreateKey = z
  .strictObject({
    kind: KeyKind.default("secret"),
    name: z.string().trim().min(1).max(100).optional().describe("For people: what the key is for"),
    scopes: z
      .array(Scope)
      .min(1)
      .max(scopes.length)
      .refine(unique, "lists a scope twice")
      .optional()
      .describe("Default: a secret key gets the scopes of the key making it, a publishable key intake:write. Only scopes the making key has"),
    agent_id: z.string().max(100).optional().describe("agt_… of this workspace and mode: the key then acts for that agent only (secret keys)"),
    allowed_origins: z
      .array(Origin)
      .max(20)
      .refine(unique, "lists an origin twice")
      .optional()
      .describe("Publishable keys: the web origins it works from, 1 to 20 (required). Secret keys take none"),
  })
  .refine((v) => !(v.kind === "publishable" && (v.allowed_origins ?? []).length === 0), {
    path: ["allowed_origins"],
    message: "a publishable key needs at least one allowed origin",
    when: whenObject,
  })
  .refine((v) => !(v.kind === "publishable" && v.scopes !== undefined && (v.scopes.length !== 1 || v.scopes[0] !== "intake:write")), {
    path: ["scopes"],
    message: "a publishable key can only have intake:write",
    when: whenObject,
  })
  .refine((v) => !(v.kind === "publishable" && v.agent_id !== undefined), {
    path: ["agent_id"],
    message: "only a secret key can be bound to an agent",
    when: whenObject,
  })
  .refine((v) => !(v.kind !== "publishable" && (v.allowed_origins ?? []).length > 0), {
    path: ["allowed_origins"],
    message: "only publishable keys are checked against origins",
    when: whenObject,
  })
  .meta({ id: "CreateApiKey" });

export type CreateKey = z.output<typeof CreateKey>;

export const ApiKey = z
  .strictObject({
    id: z.string().describe("key_…"),
    kind: KeyKind,
    name: z.string().nullable(),
    prefix: z.string().describe("e.g. rb_live_"),
    last4: z.string().describe("The key's last four characters"),
    scopes: z.array(Scope),
    agent_id: z.string().nullable(),
    allowed_origins: z.array(z.string()),
    mode: Mode,
    created_at: Time,
    last_used_at: Time.nullable().describe("To the minute"),
    revoked_at: Time.nullable(),
  })
  .meta({ id: "ApiKey" });

export type ApiKey = z.input<typeof ApiKey>;

export const CreatedApiKey = ApiKey.extend({
  key: z.string().describe("The whole key: shown in this answer only, never again (only its sha256 is stored)"),
}).meta({ id: "CreatedApiKey" });

export const ApiKeyList = z.object(page(ApiKey)).meta({ id: "ApiKeyList" });

const flag = z.enum(["true", "false"]).transform((v) => v === "true");

export const ApiKeyListQuery = listQuery(idCursor("apiKey"), {
  kind: KeyKind.optional(),
  revoked: flag.optional().describe("true: only revoked keys; false: only keys that work"),
});

/**
 * What a key would give beyond its own authority by making or revoking `target`: the scopes the
 * target has that the acting key lacks, and whether the target acts for an agent other than the
 * one the acting key is bound to. Nothing beyond: { scopes: [], agent: false }.
 */
export function keyAuthorityGap(acting: { scopes: readonly string[]; agentId: string | null }, target: { scopes: readonly string[]; agentId: string | null }) {
  return {
    scopes: target.scopes.filter((scope) => !acting.scopes.includes(scope)),
    agent: acting.agentId !== null && target.agentId !== acting.agentId,
  };
}
