import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { offlineEnv } from "./offline.ts";
import { redactingStream } from "./redact.ts";

/**
 * Starts `wrangler dev` on loopback with these settings, its output redacted of API keys. The
 * settings go in a file only this user can read, not on a command line others can see.
 */
export function startWrangler(options: {
  root: string;
  port: number;
  vars: Record<string, string>;
  varsFile: string;
  persistTo: string;
  quiet?: boolean;
}): ChildProcess {
  const lines = Object.entries(options.vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  writeFileSync(options.varsFile, lines.join("\n") + "\n", { mode: 0o600 });
  const child = spawn(
    "wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(options.port), "--env-file", options.varsFile, "--test-scheduled",
      "--show-interactive-dev-session=false", "--persist-to", options.persistTo, ...(options.quiet ? ["--log-level", "error"] : [])],
    { cwd: options.root, env: offlineEnv(options.root), stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.pipe(redactingStream()).pipe(process.stdout);
  child.stderr!.pipe(redactingStream()).pipe(process.stderr);
  return child;
}

/** Waits until `url` answers 2xx; false after two minutes or once `gaveUp()` says so. */
export async function ready(url: string, gaveUp: () => boolean = () => false): Promise<boolean> {
  for (let i = 0; i < 480 && !gaveUp(); i++) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGINT");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}
