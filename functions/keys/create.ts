import { findAgent } from "../../db/queries/agents.ts";
import { keyJson } from "../../db/queries/api-keys.ts";
import { invalidField } from "../lib/invalid-field.ts";
import { issueKey } from "../lib/issue-key.ts";
import { assertWithinAuthority } from "../lib/key-authority.ts";
import { native } from "../routes/kinds/native.ts";
import { apiKeys } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { CreatedApiKey, CreateKey } from "../../schemas/keys.ts";
import { Scope } from "../../schemas/scopes.ts";

export const createKey = defineRoute(native, {
  ...apiKeys.all("post", jsonBody(CreateKey, { required: false })),
  summary: "Create an API key",
  description:
    "Makes a key in the mode of the key that asks (a test key makes test keys). The whole key is in this response " +
    "only; afterwards only its prefix and last four characters are shown. A key cannot make a key with more authority " +
    "than its own: a scope it lacks is a 403 naming the scopes, and a key bound to an agent makes only keys bound to " +
    "that agent (the default). A secret key without scopes gets those of the key that makes it. A publishable key " +
    "needs 1 to 20 allowed_origins, has only intake:write and is bound to no agent. Writes no event. Secret keys with keys:write.",
  responses: { 201: jsonResponse("The key, whole, shown this once", CreatedApiKey) },
  errors: {
    403: "A publishable key, a key without keys:write, or a key asking for a scope it lacks or for another agent's key",
    422: "Every invalid field, including an agent_id that names no agent of this workspace and mode",
  },
}, async (c) => {
  const body = c.req.valid("json");
  const caller = c.var.caller;
  const own = caller.key.scopes.flatMap((s) => (Scope.safeParse(s).success ? [s as Scope] : []));
  const scopes = body.scopes ?? (body.kind === "publishable" ? (["intake:write"] as Scope[]) : own);
  const agentId = body.agent_id ?? (body.kind === "secret" ? caller.key.agentId : null);
  assertWithinAuthority(caller, { scopes, agentId }, "grant");
  if (agentId !== null && !(await findAgent(c.var.db, c.var.owner, agentId))) {
    throw invalidField("agent_id", "is not an agent of this workspace and mode");
  }
  const { key, row } = await issueKey(c.var.db, c.var.owner, {
    kind: body.kind,
    name: body.name,
    scopes,
    agentId,
    allowedOrigins: body.allowed_origins,
  });
  return c.json(CreatedApiKey.parse({ ...keyJson(row), key }), 201);
});
