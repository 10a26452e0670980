import { z } from "zod";

const Check = z.object({
  ok: z.boolean(),
  latency_ms: z.number(),
  error: z.string().optional().describe("Why the check failed; never a credential"),
});

export const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    database: Check,
    redis: Check,
  })
  .meta({ id: "Health" });

export type Health = z.infer<typeof Health>;
