import { z } from "@hono/zod-openapi";
import { publicRoute } from "../routes/kinds/public.ts";
import { defineRoute } from "../routes/route.ts";

// The API reference: Scalar's browser build rendering this Worker's /openapi.json. The build
// (3.5 MB) is too big for the Worker script, so it is a static asset (wrangler.toml's [assets],
// read straight from the installed package) that only this route hands out. The settings below
// turn off everything Scalar would otherwise fetch from elsewhere (its request proxy, fonts,
// telemetry, agent and MCP), and the page's CSP refuses any other origin should one remain.
const scriptPath = "/docs/assets/standalone.js";
const scriptAsset = "/standalone.js";

const configuration = {
  url: "/openapi.json",
  agent: { disabled: true },
  mcp: { disabled: true },
  proxyUrl: "",
  withDefaultFonts: false,
  telemetry: false,
  // On localhost Scalar adds a toolbar whose buttons upload the document to scalar.com.
  showDeveloperTools: "never",
};

export const docsPage = defineRoute(publicRoute, {
  method: "get",
  path: "/docs",
  summary: "API reference",
  description: "An interactive reference for /openapi.json (Scalar), served with its script by this Worker: it loads nothing from elsewhere.",
  tags: ["system"],
  responses: { 200: { description: "The reference page", content: { "text/html": { schema: z.string() } } } },
}, (c) => {
  const nonce = crypto.randomUUID();
  // Scalar injects its styles as <style> elements, hence 'unsafe-inline' for styles only;
  // the one inline script is allowed by its nonce.
  c.header(
    "Content-Security-Policy",
    `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'unsafe-inline'; ` +
      "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  c.header("X-Content-Type-Options", "nosniff");
  return c.html(page(nonce));
});

export const docsScript = defineRoute(publicRoute, {
  method: "get",
  path: scriptPath,
  summary: "The API reference's script",
  description: "Scalar's browser build, from the Worker's static assets.",
  tags: ["system"],
  responses: { 200: { description: "JavaScript", content: { "text/javascript": { schema: z.string() } } } },
}, // The request's own headers go along, If-None-Match included, for the asset server's ETag.
(c) => c.env.ASSETS.fetch(new Request(new URL(scriptAsset, c.req.url), c.req.raw)));

function page(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Ringback API reference</title>
  <link rel="icon" href="data:,">
</head>
<body>
  <div id="app"></div>
  <script src="${scriptPath}"></script>
  <script nonce="${nonce}">Scalar.createApiReference("#app", ${JSON.stringify(configuration)});</script>
</body>
</html>
`;
}
