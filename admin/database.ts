import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { dataDirectory, devStateFile, readDevState } from "../dev/state.ts";
import { AdminError } from "./commands.ts";

export type Target = {
  url: string;
  /** Where the URL came from, as the CLI says it. */
  from: string;
  /** The keyring from `npm run dev`'s keyring file, when the database is dev's and SECRETS_KEYS is unset. */
  secretsKeys?: string;
  /** The running npm run dev's address, where signed links made against its database point. */
  workerUrl?: string;
};

/**
 * The database the CLI works on: DATABASE_URL if set; else the one a running `npm run dev` uses,
 * from the state file it keeps in its data directory (with its keyring, unless SECRETS_KEYS is
 * set); else an error that says what to do.
 */
export function findDatabase(env: NodeJS.ProcessEnv = process.env): Target {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, from: "DATABASE_URL" };
  const file = devStateFile(dataDirectory(env));
  const shown = relative(process.cwd(), file).startsWith("..") ? file : relative(process.cwd(), file);
  const found = readDevState(file);
  if (!found) {
    throw new AdminError(`DATABASE_URL is not set, and no npm run dev is running (there is no ${shown}): start \`npm run dev\` in another terminal, or set DATABASE_URL to the Ringback database`);
  }
  if (!found.running) {
    throw new AdminError(`DATABASE_URL is not set, and the npm run dev that wrote ${shown} (process ${found.state.pid}) has stopped: start \`npm run dev\` again, or set DATABASE_URL to the Ringback database`);
  }
  return { url: found.state.database_url, from: `the running npm run dev (${found.state.database_source}; found through ${shown})`, secretsKeys: env.SECRETS_KEYS ? undefined : keyringIn(found.state.keyring_file), workerUrl: found.state.url };
}

function keyringIn(file: string): string | undefined {
  try {
    return /^SECRETS_KEYS=(.+)$/m.exec(readFileSync(file, "utf8"))?.[1];
  } catch {
    return undefined; // then a command that needs it says SECRETS_KEYS is not set
  }
}
