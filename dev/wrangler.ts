import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { offlineEnv } from "./offline.ts";
import { redactingStream } from "./redact.ts";

// What wrangler would otherwise keep on disk, where the redacting filter cannot reach: local
// observability (on by default in wrangler 4.164: Miniflare's trace collector keeps every
// request, its URL and query string included, in a SQLite store under
// <persist dir>/v3/observability), and the debug log (a copy of what wrangler's logger prints,
// written before the filter sees it, in $XDG_CONFIG_HOME/.wrangler/logs). A Brightcall link
// carries its API key in its query string.
const unrecorded = { X_LOCAL_OBSERVABILITY: "false", WRANGLER_WRITE_LOGS: "false" };

/**
 * Starts `wrangler dev` on loopback with these settings, its output redacted of API keys. The
 * settings go in a file only this user can read, not on a command line others can see; `envFiles`
 * are more such files, read after it (a setting kept in a file of its own, like the keyring).
 */
export function startWrangler(options: {
  root: string;
  port: number;
  vars: Record<string, string>;
  varsFile: string;
  envFiles?: string[];
  persistTo: string;
  quiet?: boolean;
}): ChildProcess {
  const lines = Object.entries(options.vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  writeFileSync(options.varsFile, `${lines.join("\n")}\n`, { mode: 0o600 });
  const envFiles = [options.varsFile, ...(options.envFiles ?? [])].flatMap((file) => ["--env-file", file]);
  const child = spawn(
    "wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(options.port), ...envFiles, "--test-scheduled",
      "--show-interactive-dev-session=false", "--persist-to", options.persistTo, ...(options.quiet ? ["--log-level", "error"] : [])],
    { cwd: options.root, env: { ...offlineEnv(options.root), ...unrecorded }, stdio: ["ignore", "pipe", "pipe"] },
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
