import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";

export const apiInfo = {
  title: "Ringback API",
  version: "0.1.0",
  description: "Speed-to-lead callbacks: intake, scheduling, calls and signed webhook events.",
};

// Ringback is self-hosted: the document names its server as a variable, and /openapi.json
// replaces it with the URL the Worker is reached at.
const templateServer = {
  url: "{baseUrl}",
  description: "Your Ringback deployment",
  variables: { baseUrl: { default: "http://localhost:8787" } },
};

/**
 * The OpenAPI 3.1 document of everything mounted on the app: every route (routes/mount.ts
 * registers each as it mounts it), every outgoing webhook, and the named schemas they use.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>, servers: { url: string; description?: string }[] = [templateServer]) {
  const document = app.getOpenAPI31Document({ openapi: "3.1.0", info: apiInfo, servers });
  return { ...document, components: { ...document.components, securitySchemes } };
}

const securitySchemes = {
  bearer: { type: "http", scheme: "bearer", description: "rb_live_…, rb_test_… (or rb_pk_… where allowed)" },
  apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" },
} as const;
