import type { App } from "../context.ts";

export function registerOpenApi(app: App, document: () => unknown) {
  app.get("/openapi.json", (c) => c.json(document()));
}
