import { agentJson, findAgent, updateAgent } from "../../db/queries/agents.ts";
import { agentWebhookSettings, sealAgentSecret } from "../lib/agent-webhooks.ts";
import { ApiError } from "../lib/errors.ts";
import { agents } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { AgentWithSecret } from "../../schemas/agents.ts";

export const rotateAgentSecret = agents.member({
  method: "post",
  action: "rotate_webhook_secret",
  summary: "Rotate an agent's post-call webhook secret",
  description:
    "Replaces the secret with a new whsec_ secret, returned in this response only (webhook_secret). The old one stops " +
    "signing at once: seed 002's receivers check one signature. Writes no event. Secret keys with agents:write.",
  responses: { 200: jsonResponse("The agent, with its new secret", AgentWithSecret) },
  errors: { 409: "The agent has no webhook_url (set one with PATCH), or a request with this Idempotency-Key is still being processed" },
}, async (c, id) => {
  const agent = await agents.find(c.var.db, c.var.owner, id, findAgent);
  if (agent.webhookUrl === null) throw new ApiError("conflict", "The agent has no webhook_url: set one with PATCH /v1/agents/{id}");
  const secret = await sealAgentSecret(agentWebhookSettings(c.env).keyring, id, undefined);
  const row = await updateAgent(c.var.db, c.var.owner, id, { webhookSecret: secret.sealed });
  if (!row) throw agents.notFound(id);
  return c.json(AgentWithSecret.parse({ ...agentJson(row), webhook_secret: secret.shown }), 200);
});
