import {
  replaceAgentSecrets,
  replaceEndpointSecrets,
  staleAgents,
  staleEndpoints,
  type AgentSecret,
  type AnyDb,
  type EndpointSecrets,
} from "../../db/queries/sealed-secrets.ts";
import { SealedSecretError, type Keyring, type SecretColumn, type SecretSlot } from "./secrets.ts";

// Seals under the current key every webhook and agent secret that is not: plaintext from before
// sealing, and values sealed under an older key after SECRETS_KEYS was rotated. The cron does it a
// page at a time; `npm run admin -- secrets rotate` does all of it. Safe to run beside the API:
// a row rotated in between keeps its new secret.

export type ResealReport = {
  key: string;
  resealed: { webhook_endpoints: number; agents: number };
  /** Values that do not open with this keyring: left as they are. Ids and reasons, never a value. */
  unreadable: { column: SecretColumn; id: string; reason: string }[];
};

const pageSize = 200;

/** Reseals up to `limit` rows of each table (all of them by default). */
export async function resealSecrets(db: AnyDb, keyring: Keyring, options: { limit?: number } = {}): Promise<ResealReport> {
  const limit = options.limit ?? Infinity;
  const report: ResealReport = { key: keyring.current, resealed: { webhook_endpoints: 0, agents: 0 }, unreadable: [] };
  const reseal = async (stored: string, slot: SecretSlot): Promise<string | null> => {
    if (keyring.isCurrent(stored)) return stored;
    try {
      return await keyring.seal(await keyring.open(stored, slot), slot);
    } catch (err) {
      if (!(err instanceof SealedSecretError)) throw err;
      report.unreadable.push({ ...slot, reason: err.message });
      return null;
    }
  };

  await pages(limit, (after, size) => staleEndpoints(db, keyring.currentPrefix, after, size), async (rows) => {
    const changes: { was: EndpointSecrets; now: EndpointSecrets }[] = [];
    for (const was of rows) {
      const secret = await reseal(was.secret, { column: "webhook_endpoints.secret", id: was.id });
      const previousSecret = was.previousSecret === null ? null : await reseal(was.previousSecret, { column: "webhook_endpoints.previous_secret", id: was.id });
      if (secret !== null && (previousSecret !== null || was.previousSecret === null)) changes.push({ was, now: { id: was.id, secret, previousSecret } });
    }
    report.resealed.webhook_endpoints += (await replaceEndpointSecrets(db, changes)).length;
  });

  await pages(limit, (after, size) => staleAgents(db, keyring.currentPrefix, after, size), async (rows) => {
    const changes: { was: AgentSecret; now: AgentSecret }[] = [];
    for (const was of rows) {
      const webhookSecret = await reseal(was.webhookSecret, { column: "agents.webhook_secret", id: was.id });
      if (webhookSecret !== null) changes.push({ was, now: { id: was.id, webhookSecret } });
    }
    report.resealed.agents += (await replaceAgentSecrets(db, changes)).length;
  });

  return report;
}

/** Walks the stale rows by id, a page at a time, until there are none or `limit` were seen. */
async function pages<Row extends { id: string }>(
  limit: number,
  load: (after: string, size: number) => Promise<Row[]>,
  handle: (rows: Row[]) => Promise<void>,
): Promise<void> {
  let after = "";
  for (let seen = 0; seen < limit; ) {
    const size = Math.min(pageSize, limit - seen);
    const rows = await load(after, size);
    if (rows.length > 0) await handle(rows);
    const last = rows.at(-1);
    if (last === undefined || rows.length < size) return;
    seen += rows.length;
    after = last.id;
  }
}
