import type { Caller } from "../context.ts";
import { keyAuthorityGap } from "../../schemas/keys.ts";
import { ApiError } from "./errors.ts";

/**
 * Refuses (403) a key that would make or revoke a key beyond its own authority: one with a scope
 * it lacks, or, for a key bound to an agent, one that does not act for that same agent.
 */
export function assertWithinAuthority(caller: Caller, target: { scopes: readonly string[]; agentId: string | null }, action: "grant" | "revoke"): void {
  const gap = keyAuthorityGap({ scopes: caller.key.scopes, agentId: caller.key.agentId }, target);
  if (gap.scopes.length > 0) {
    const verb = action === "grant" ? "grant" : "revoke a key with";
    throw new ApiError("forbidden", `This key cannot ${verb} scopes it does not have: ${gap.scopes.join(", ")}`);
  }
  if (gap.agent) throw new ApiError("forbidden", `This key acts for agent ${caller.key.agentId}: it can ${action} only keys bound to that agent`);
}
