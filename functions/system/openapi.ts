import { z } from "@hono/zod-openapi";
import { publicRoute } from "../routes/kinds/public.ts";
import { defineRoute } from "../routes/route.ts";

/** GET /openapi.json: the document, made once per isolate, with this deployment as its server. */
export function openApiRoute(document: () => object) {
  return defineRoute(publicRoute, {
    method: "get",
    path: "/openapi.json",
    summary: "This document",
    description: "The OpenAPI 3.1 document of every route and outgoing webhook, with this deployment as its server. Needs no key.",
    tags: ["system"],
    responses: { 200: { description: "OpenAPI 3.1", content: { "application/json": { schema: z.object({}).passthrough() } } } },
  }, (c) => c.json({ ...document(), servers: [{ url: c.env.PUBLIC_URL ?? new URL(c.req.url).origin }] }, 200));
}
