import { agentJson, deactivateAgent as deactivateStoredAgent } from "../../db/queries/agents.ts";
import { agents } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { Agent } from "../../schemas/agents.ts";

// A POST, not a DELETE: the agent is not deleted. Calls, callbacks and deliveries name it, so
// the row stays, and PATCH active: true brings it back.
export const deactivateAgent = agents.member({
  method: "post",
  action: "deactivate",
  summary: "Deactivate an agent",
  description:
    "Sets active to false: the agent is no longer rung, and is still listed and readable, as are the calls that name " +
    "them. A call already ringing them is not hung up. Deactivating an inactive agent is not an error: 200, unchanged. " +
    "PATCH active: true undoes it. Writes no event. Secret keys with agents:write.",
  responses: { 200: jsonResponse("The agent, inactive", Agent) },
}, async (c, id) => {
  const row = await deactivateStoredAgent(c.var.db, c.var.owner, id);
  if (!row) throw agents.notFound(id);
  return c.json(Agent.parse(agentJson(row)), 200);
});
