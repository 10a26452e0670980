import { z } from "zod";
import { Scope } from "./scopes.ts";

export const Plan = z.enum(["free", "pro", "enterprise"]);
export const Mode = z.enum(["live", "test"]).describe("live keys see live data only; test keys see test data only");

export const Me = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string(), plan: Plan }),
    mode: Mode,
    key: z.object({
      id: z.string(),
      kind: z.enum(["secret", "publishable"]),
      prefix: z.string().describe("The key's type prefix, e.g. rb_live_"),
      last4: z.string(),
      scopes: z.array(Scope),
      agent_id: z.string().nullable().describe("The agent this key acts for, if it is bound to one"),
    }),
    agent: z
      .object({ id: z.string(), name: z.string() })
      .nullable()
      .describe("The agent named by X-Agent-ID, or the key's own agent"),
  })
  .meta({ id: "Me" });
