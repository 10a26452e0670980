import type { App } from "../context.ts";
import { requireKey } from "../lib/auth.ts";
import { describeRoute } from "../lib/openapi.ts";
import { Me } from "../../schemas/account.ts";
import { Problem } from "../../schemas/problem.ts";

export function registerMe(app: App) {
  describeRoute({
    method: "get",
    path: "/v1/me",
    summary: "Who am I",
    description:
      "The workspace, plan, mode and scopes of the calling key. Zapier uses it as its authentication test. " +
      "Secret keys only; X-Agent-ID, when given, must name an agent of the key's workspace.",
    tags: ["account"],
    auth: "key",
    responses: {
      200: { description: "The caller", schema: Me },
      401: { description: "Missing, unknown or revoked key", schema: Problem, contentType: "application/problem+json" },
      404: { description: "X-Agent-ID names no agent of this workspace", schema: Problem, contentType: "application/problem+json" },
    },
  });

  app.get("/v1/me", requireKey(), (c) => {
    const { workspace, mode, key, agent } = c.var.caller;
    return c.json(
      Me.parse({
        workspace: { id: workspace.id, name: workspace.name, plan: workspace.plan },
        mode,
        key: {
          id: key.id,
          kind: key.kind,
          prefix: key.prefix,
          last4: key.last4,
          scopes: key.scopes,
          agent_id: key.agentId,
        },
        agent: agent && { id: agent.id, name: agent.name },
      }),
    );
  });
}
