import type { Keyring } from "./secrets.ts";
import { newWebhookSecret } from "./signing.ts";
import { checkWebhookUrl, type UrlPolicy } from "./ssrf.ts";

// An agent's post-call webhook (seed 002's): its URL must pass the rules every webhook URL passes,
// and its secret signs outgoing requests, so it cannot be hashed like an API key: it is sealed
// under SECRETS_KEYS, bound to the agent's row. Shared by the API (/v1/agents), the console and
// `npm run admin -- agent add`, so an agent made by any of them is stored the same way.

/** What a post-call webhook takes: the rules its URL must pass and the keyring its secret is sealed with. */
export type AgentWebhookSettings = { urlPolicy: UrlPolicy; keyring: Keyring };

export type AgentWebhook =
  | { ok: true; url: string; sealed: string; /** The secret Ringback made, to show once; null when the caller gave one. */ shown: string | null }
  | { ok: false; reason: string };

/** Why a post-call URL is refused ("it …"), or null when Ringback may post to it. */
export function refusedWebhookUrl(url: string, policy: UrlPolicy): string | null {
  const verdict = checkWebhookUrl(url, policy);
  return verdict.ok ? null : verdict.reason;
}

/** Seals `secret`, or a new whsec_ secret when none is given, for agent `agentId`. */
export async function sealAgentSecret(keyring: Keyring, agentId: string, secret?: string) {
  const plain = secret ?? newWebhookSecret();
  return { sealed: await keyring.seal(plain, { column: "agents.webhook_secret", id: agentId }), shown: secret === undefined ? plain : null };
}

/** Checks the URL and seals its secret (the one given, or a new one) for agent `agentId`. */
export async function agentWebhook(settings: AgentWebhookSettings, agentId: string, url: string, secret?: string): Promise<AgentWebhook> {
  const refused = refusedWebhookUrl(url, settings.urlPolicy);
  if (refused !== null) return { ok: false, reason: refused };
  return { ok: true, url, ...(await sealAgentSecret(settings.keyring, agentId, secret)) };
}

/** The Worker's own settings for post-call webhooks. */
// Typed by the two settings it reads, not the Worker's whole Env, so the admin CLI (Node) can
// share this file.
export const agentWebhookSettings = (env: { WEBHOOKS_ALLOW_LOOPBACK_HTTP: boolean; SECRETS_KEYS: Keyring }): AgentWebhookSettings => ({
  urlPolicy: { allowLoopbackHttp: env.WEBHOOKS_ALLOW_LOOPBACK_HTTP },
  keyring: env.SECRETS_KEYS,
});
