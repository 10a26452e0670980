import { agentFields, agentJson, findAgent, updateAgent as updateStoredAgent, type AgentFields } from "../../db/queries/agents.ts";
import type { Db } from "../../db/client.ts";
import type { Env } from "../env.ts";
import { agentWebhookSettings, refusedWebhookUrl, sealAgentSecret } from "../lib/agent-webhooks.ts";
import { invalidField } from "../lib/invalid-field.ts";
import { agents } from "../routes/resources.ts";
import { jsonBody, jsonResponse } from "../routes/route.ts";
import { AgentWithSecret, UpdateAgent } from "../../schemas/agents.ts";
import type { Owner } from "../../schemas/scopes.ts";

export const updateAgent = agents.member({
  method: "patch",
  body: jsonBody(UpdateAgent),
  summary: "Update an agent",
  description:
    "Changes the fields given and leaves the rest; null clears department, timezone, schedule, " +
    "callbacks_per_phone_per_hour, or webhook_url (and with it the secret). A new webhook_url keeps the stored secret; " +
    "on an agent without one, Ringback makes one and returns it in this response only (webhook_secret). webhook_secret " +
    "replaces the secret with yours (it is never shown back). active: true brings back a deactivated agent. Writes no " +
    "event. Secret keys with agents:write.",
  responses: { 200: jsonResponse("The agent, with the secret Ringback made (if it made one)", AgentWithSecret) },
  errors: { 422: "Every invalid field, including a refused webhook_url, or a webhook_secret for an agent without a webhook_url" },
}, async (c, id) => {
  const body = c.req.valid("json");
  const { changes, shown } = await webhookChanges(c.env, c.var.db, c.var.owner, id, body);
  const row = await updateStoredAgent(c.var.db, c.var.owner, id, { ...agentFields(body), ...changes });
  if (!row) throw agents.notFound(id);
  return c.json(AgentWithSecret.parse({ ...agentJson(row), webhook_secret: shown }), 200);
});

/** The webhook's columns a PATCH changes, and the secret Ringback made for it (to show once), if any. */
async function webhookChanges(env: Env, db: Db, owner: Owner, id: string, body: UpdateAgent): Promise<{ changes: AgentFields; shown: string | null }> {
  if (body.webhook_url === null) return { changes: { webhookUrl: null, webhookSecret: null }, shown: null };
  if (body.webhook_url === undefined && body.webhook_secret === undefined) return { changes: {}, shown: null };
  const settings = agentWebhookSettings(env);
  if (body.webhook_url !== undefined) {
    const refused = refusedWebhookUrl(body.webhook_url, settings.urlPolicy);
    if (refused !== null) throw invalidField("webhook_url", `is not allowed: it ${refused}`);
  }
  const agent = await agents.find(db, owner, id, findAgent);
  const url = body.webhook_url ?? agent.webhookUrl;
  if (url === null) throw invalidField("webhook_secret", "needs a webhook_url");
  // A new URL alone keeps the secret the receiver already verifies with.
  if (body.webhook_secret === undefined && agent.webhookSecret !== null) return { changes: { webhookUrl: url }, shown: null };
  const secret = await sealAgentSecret(settings.keyring, id, body.webhook_secret);
  return { changes: { webhookUrl: url, webhookSecret: secret.sealed }, shown: secret.shown };
}
