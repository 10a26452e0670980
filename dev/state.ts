import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// What a running `npm run dev` tells the admin CLI: which database it uses (the embedded one is on
// a random port) and which keyring seals its webhook secrets. Kept in the data directory
// (git-ignored, readable by this user alone) while dev runs, and removed when it stops. It holds
// the database URL dev used, as .data/dev.vars (wrangler's settings file) already does: for the
// embedded server that is its fixed local password, on a server that listens on loopback only.
// Never an API key or the keyring itself, only where the keyring file is.

export type DevState = {
  pid: number;
  url: string;
  database_url: string;
  database_source: string;
  keyring_file: string;
  started_at: string;
};

const root = fileURLToPath(new URL("..", import.meta.url));

/** `npm run dev`'s data directory: RINGBACK_DATA_DIR, else .data in the project. */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.RINGBACK_DATA_DIR ?? join(root, ".data");
}

export const devStateFile = (dataDir: string) => join(dataDir, "dev.json");

export function writeDevState(file: string, state: DevState): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if this process wrote it (a second dev that was refused must not). */
export function clearDevState(file: string, pid = process.pid): void {
  if (readDevState(file)?.state.pid === pid) rmSync(file, { force: true });
}

/** The state a dev left here, and whether the process that wrote it still runs. */
export function readDevState(file: string): { state: DevState; running: boolean } | undefined {
  if (!existsSync(file)) return undefined;
  let state: DevState;
  try {
    state = JSON.parse(readFileSync(file, "utf8")) as DevState;
  } catch {
    return undefined; // half-written or edited by hand: as if absent
  }
  if (typeof state?.pid !== "number" || typeof state.database_url !== "string") return undefined;
  return { state, running: isRunning(state.pid) };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether something already listens on 127.0.0.1:port, where wrangler would listen. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(true) : reject(err)));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
