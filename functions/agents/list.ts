import { agentJson, listAgents as selectAgents } from "../../db/queries/agents.ts";
import { agents } from "../routes/resources.ts";
import { AgentList, AgentListQuery } from "../../schemas/agents.ts";

export const listAgents = agents.list(
  {
    summary: "List agents",
    description:
      "The agents of the key's workspace and mode, newest first, in pages of `limit` (1 to 100, default 25); pass " +
      "next_cursor as cursor for the next page. Filter by active, available (each true or false) and department; " +
      "filters combine with AND. Deactivated agents are listed (active: false). Secret keys with agents:read.",
    returns: "A page of agents",
    query: AgentListQuery,
    schema: AgentList,
  },
  (db, owner, q) => selectAgents(db, owner, { active: q.active, available: q.available, department: q.department, before: q.cursor }, q.limit),
  agentJson,
);
