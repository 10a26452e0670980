import { native } from "../routes/kinds/native.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { Me } from "../../schemas/account.ts";

export const me = defineRoute(native, {
  method: "get",
  path: "/v1/me",
  summary: "Who am I",
  description:
    "The workspace, plan, mode and scopes of the calling key. Zapier uses it as its authentication test. " +
    "Secret keys only, with any scope; X-Agent-ID, when given, must name an agent of the key's workspace.",
  tags: ["account"],
  responses: { 200: jsonResponse("The caller", Me) },
  scope: null, errors: { 404: "X-Agent-ID names no agent of this workspace" },
}, (c) => {
  const { workspace, mode, key, agent } = c.var.caller;
  return c.json(
    Me.parse({
      workspace: { id: workspace.id, name: workspace.name, plan: workspace.plan },
      mode,
      key: { id: key.id, kind: key.kind, prefix: key.prefix, last4: key.last4, scopes: key.scopes, agent_id: key.agentId },
      agent: agent && { id: agent.id, name: agent.name },
    }),
    200,
  );
});
