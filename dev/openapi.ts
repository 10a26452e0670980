import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newApp } from "../functions/app.ts";
import { openApiDocument } from "../functions/routes/document.ts";

// `npm run openapi` writes openapi.json from the routes themselves; `npm run openapi -- --check`
// (run by .ci/run) fails when the committed document is not what the code declares, so the
// file a client generator or Zapier reads cannot fall behind the API.

const file = join(import.meta.dirname, "..", "openapi.json");
const generated = `${JSON.stringify(openApiDocument(newApp()), null, 2)}\n`;

if (process.argv.includes("--check")) {
  const committed = readFileSync(file, "utf8");
  if (committed !== generated) {
    console.error("openapi.json is out of date: run `npm run openapi` and commit the result");
    process.exit(1);
  }
  console.log(`openapi.json is current (${Buffer.byteLength(generated)} bytes)`);
} else {
  writeFileSync(file, generated);
  console.log(`wrote openapi.json (${Buffer.byteLength(generated)} bytes)`);
}
