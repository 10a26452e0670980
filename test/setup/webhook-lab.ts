import type { TestProject } from "vitest/node";
import { startReceivers } from "./webhook-receivers.ts";

import "./webhook-types.ts";

/** Global setup: the loopback webhook receivers, for both test projects. */
export default async function setup(project: TestProject) {
  const receivers = await startReceivers();
  project.provide("webhookLab", { url: receivers.url, port: receivers.port });
  return () => receivers.close();
}
