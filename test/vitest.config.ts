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
