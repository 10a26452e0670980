import { z } from "zod";

// The native API's error body: RFC 9457 problem details, plus the machine-readable `code` and,
// for validation errors, every issue with its field path.
export const Problem = z
  .object({
    type: z.string().describe("A URI naming the kind of problem: urn:ringback:problem:<code>"),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe("Stable error code, e.g. unauthorized, validation_failed"),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe("Every validation issue, each with its field path"),
  })
  .meta({ id: "Problem" });

export type Problem = z.infer<typeof Problem>;

/** One bad field of a request. `missing` tells "is required" from "is invalid", which some seed error bodies distinguish. */
export type Issue = { path: string; message: string; missing?: boolean };
