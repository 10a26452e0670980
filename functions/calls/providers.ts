import type { StoredProvider } from "../../db/queries/call-attempts.ts";
import type { Mode } from "../../schemas/scopes.ts";
import type { Env } from "../env.ts";
import { sandboxTelephony } from "./sandbox.ts";
import type { ProviderDeps, ProviderFactory, Telephony } from "./telephony.ts";
import { twilioTelephony } from "./twilio.ts";

// The telephony providers, by the name each call attempt stores (call_attempts.provider). Adding
// one is a file that exports its factory, and a line here; its name must also be a value of the
// telephony_provider enum (a migration), or this does not type-check.
const registry = {
  twilio: twilioTelephony,
  sandbox: sandboxTelephony,
} satisfies { [Name in StoredProvider]: ProviderFactory<Name> };

export type ProviderName = keyof typeof registry;
export type Provider = Telephony<ProviderName>;

/**
 * Which provider places a workspace's calls in a mode. One policy for every workspace for now:
 * test keys never reach a phone network, so test calls go to the sandbox, and live calls to
 * Twilio. A workspace's own choice (a column on workspaces, which has none yet) belongs here, and
 * only here: the dialler asks nothing else.
 */
export function providerFor(_workspace: { id: string }, mode: Mode): ProviderName {
  return mode === "test" ? "sandbox" : "twilio";
}

/** The provider of that name, built for this request. A call is always ended and asked about by the provider that placed it. */
export function telephonyNamed(name: ProviderName, env: Env, deps: ProviderDeps): Provider {
  const build: ProviderFactory<ProviderName> = registry[name];
  return build(env, deps);
}
