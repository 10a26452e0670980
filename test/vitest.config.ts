import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import type { TestStack } from "./setup/stack.ts";
import type { FakeTwilioInfo } from "./setup/fake-twilio-types.ts";

// Two projects, one `npm test`: the Worker's tests run inside workerd (the Cloudflare pool) and
// reach PostgreSQL and Redis through the dev servers that test/setup/stack.ts starts; the tests of
// those servers, the admin CLI and the independent verifiers run in Node.
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    globalSetup: ["./test/setup/stack.ts", "./test/setup/webhook-lab.ts", "./test/setup/fake-twilio.ts", "./test/setup/black-hole.ts"],
    projects: [
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => {
            const stack = inject<TestStack>("stack");
            const twilio = inject<FakeTwilioInfo>("fakeTwilio");
            return {
              main: "./functions/index.ts",
              // workerd's --verbose (the plugin's default) logs every exception it sees at INFO,
              // even one the Worker caught: each fetch to a closed port (the outage tests point
              // the database, Redis and Twilio at 127.0.0.1:9) printed "uncaught exception …
              // Network connection lost" with a native stack, though the rejection was awaited
              // and handled (a probe that only awaited and caught such a fetch printed the same).
              // Off, workerd still reports what reaches a test: thrown errors, failed requests
              // and the Worker's own console output. The plugin added this option for exactly
              // this (cloudflare/workers-sdk#14879).
              verbose: false,
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: { bindings: { ...stack.bindings, ...twilio.bindings } },
            };
          }),
        ],
        // Every test talks to a real PostgreSQL and Redis on a shared two-core machine: 5 s is
        // the budget of an idle one, so the worker tests get the Node tests' margin.
        test: { name: "worker", include: ["test/worker/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
