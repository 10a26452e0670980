import { z } from "@hono/zod-openapi";
import { publicRoute } from "../routes/kinds/public.ts";
import { defineRoute } from "../routes/route.ts";
import { embedScript } from "./script.ts";

// The script a web page includes to send its forms to Ringback (README, Browser forms). It is the
// same for every page and every deployment (it finds the API from its own URL), so browsers and
// caches may keep it for an hour; Access-Control-Allow-Origin: * lets a page pin it with
// Subresource Integrity.
export const embedJs = defineRoute(publicRoute, {
  method: "get",
  path: "/v1/embed.js",
  summary: "The embeddable form script",
  description:
    "Turns each <form data-ringback-key=\"rb_pk_…\" data-ringback-domain=\"dom_…\"> on the page into a submission to " +
    "POST /api/v1/form_responses on this origin, with consent capture and field errors shown inline in the page's language.",
  tags: ["intake"],
  responses: { 200: { description: "JavaScript", content: { "text/javascript": { schema: z.string() } } } },
}, () =>
  new Response(embedScript, {
    headers: {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=3600",
      "X-Content-Type-Options": "nosniff",
      "Access-Control-Allow-Origin": "*",
    },
  }));
