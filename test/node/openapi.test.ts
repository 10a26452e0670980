import SwaggerParser from "@apidevtools/swagger-parser";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The committed openapi.json, checked by a validator that is not ours (swagger-parser: the
// OpenAPI 3.1 schema plus $ref resolution), and against the routes that generate it.

const run = promisify(execFile);
const text = readFileSync("openapi.json", "utf8");
type Operation = { parameters?: { name: string; in: string; required?: boolean }[] };
const document = JSON.parse(text) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));

describe("openapi.json", () => {
  it("is what the routes declare (npm run openapi writes it)", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "dev/openapi.ts", "--check"], { timeout: 120_000 });
    expect(stdout).toContain("openapi.json is current");
  }, 180_000);

  it("passes an independent OpenAPI 3.1 validator, every $ref resolving", async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it("declares every path parameter of every operation", () => {
    const missing = operations.flatMap(({ path, method, op }) =>
      [...path.matchAll(/{(\w+)}/g)]
        .map((m) => m[1])
        .filter((name) => !op.parameters?.some((p) => p.in === "path" && p.name === name && p.required === true))
        .map((name) => `${method.toUpperCase()} ${path}: {${name}}`),
    );
    expect(missing).toEqual([]);
    expect(operations.filter(({ path }) => path.includes("{")).length).toBeGreaterThan(10);
  });

  it("names its schemas once, as components, and repeats no inline definitions", () => {
    expect(text).not.toContain('"$defs"');
    expect(Object.keys(document.components.schemas).length).toBeGreaterThan(20);
    // Each named schema is defined once and referenced elsewhere.
    for (const name of Object.keys(document.components.schemas)) expect(text).toContain(`"#/components/schemas/${name}"`);
    // And no schema of any size is written out twice where the operations use it.
    const inline = new Map<string, number>();
    const walk = (value: unknown, key: string) => {
      if (!value || typeof value !== "object") return;
      if (key === "schema" && !("$ref" in value)) {
        const json = JSON.stringify(value);
        if (json.length >= 150) inline.set(json, (inline.get(json) ?? 0) + 1);
      }
      for (const [k, v] of Object.entries(value)) walk(v, k);
    };
    walk({ paths: document.paths, webhooks: (document as { webhooks?: unknown }).webhooks }, "");
    expect([...inline].filter(([, n]) => n > 1).map(([json]) => json.slice(0, 120))).toEqual([]);
  });
});
