import { agentFields, agentJson, createAgent as insertAgent } from "../../db/queries/agents.ts";
import { agentWebhook, agentWebhookSettings } from "../lib/agent-webhooks.ts";
import { invalidField } from "../lib/invalid-field.ts";
import { native } from "../routes/kinds/native.ts";
import { agents } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { AgentWithSecret, CreateAgent } from "../../schemas/agents.ts";
import { newId } from "../../schemas/ids.ts";

export const createAgent = defineRoute(native, {
  ...agents.all("post", jsonBody(CreateAgent)),
  summary: "Create an agent",
  description:
    "An agent of the key's workspace and mode, rung by round robin while active, available and inside their " +
    "schedule. With a webhook_url, their post-call webhook is signed with webhook_secret if given, else with a " +
    "whsec_ secret Ringback makes and returns in this response only (webhook_secret); it is stored sealed and never " +
    "shown again. Writes no event. Secret keys with agents:write.",
  responses: { 201: jsonResponse("The agent, with the secret Ringback made (if it made one)", AgentWithSecret) },
  errors: { 422: "Every invalid field, including a refused webhook_url" },
}, async (c) => {
  const body = c.req.valid("json");
  const id = newId("agent");
  let webhook: { webhookUrl: string; webhookSecret: string } | null = null;
  let shown: string | null = null;
  if (body.webhook_url != null) {
    const hook = await agentWebhook(agentWebhookSettings(c.env), id, body.webhook_url, body.webhook_secret);
    if (!hook.ok) throw invalidField("webhook_url", `is not allowed: it ${hook.reason}`);
    webhook = { webhookUrl: hook.url, webhookSecret: hook.sealed };
    shown = hook.shown;
  }
  const row = await insertAgent(c.var.db, c.var.owner, { ...agentFields(body), ...webhook, id, name: body.name, phone: body.phone });
  return c.json(AgentWithSecret.parse({ ...agentJson(row), webhook_secret: shown }), 201);
});
