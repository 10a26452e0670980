import { createServer } from "node:http";
import type { TestProject } from "vitest/node";
import { closeServer, listenOnLoopback } from "../../dev/loopback.ts";

import "./black-hole-types.ts";

/**
 * Global setup: a server that accepts connections and reads requests but never answers, as a
 * stopped Redis or a dropped network looks to a client. Tests point UPSTASH_REDIS_REST_URL (or
 * the SQL endpoint) at it to see what the Worker does when a dependency is silent.
 */
export default async function setup(project: TestProject) {
  const server = createServer(() => {
    // Never answered; closed when the run ends.
  });
  const port = await listenOnLoopback(server);
  project.provide("blackHole", { url: `http://127.0.0.1:${port}` });
  return () => closeServer(server);
}
