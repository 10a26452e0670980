import { agentJson, findAgent } from "../../db/queries/agents.ts";
import { agents } from "../routes/resources.ts";
import { Agent } from "../../schemas/agents.ts";

export const getAgent = agents.get(
  {
    summary: "Get an agent",
    description:
      "Secret keys with agents:read. The post-call webhook's secret is never shown: webhook_secret_set says whether " +
      "there is one. Another workspace's agent, or one of the other mode, is a 404.",
    returns: "The agent",
    schema: Agent,
  },
  findAgent,
  agentJson,
);
