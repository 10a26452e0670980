// `npm run admin -- --help`.
export const usage = `npm run admin -- <command> [options] [--json]
(for JSON alone on stdout: npm run -s admin -- … --json, or npx tsx admin/cli.ts … --json)

  workspace create --name NAME [--plan free|pro|enterprise] [--requests-per-hour N]
                   [--callbacks-per-phone-per-hour N]
                   [--timezone IANA] [--calling-hours HH:MM-HH:MM]
                                   a workspace with a live and a test secret key; its zone is
                                   the lead's for callbacks without a domain when nothing
                                   else says where the lead is; its calling hours, in the
                                   lead's zone, narrow the law's for all its callbacks
  workspace update ID [--plan free|pro|enterprise] [--requests-per-hour N|default]
                   [--callbacks-per-phone-per-hour N|default]
                                   the plan, and limits of its own instead of the plan's
                                   (default: back to the plan's; README, "Rate limits")
  key create --workspace ID --mode test|live [--kind secret|publishable]
             [--name NAME] [--scopes a,b] [--agent ID] [--origin URL]...
  key revoke --id ID
  domain add --workspace ID --mode test|live --name NAME [--timezone IANA]
             [--country XX] [--no-auto-callback] [--require-consent]
             [--calling-hours HH:MM-HH:MM]   (default 08:00-21:00; only narrows the law's)
             [--no-agent-accept]             the lead is bridged when the agent answers, no 1 pressed
             [--voicemail TEXT [--stop-after-voicemail]]   a lead's voicemail is left TEXT
                                             (else hung up on and retried); then the callback
                                             retries, or ends with --stop-after-voicemail
             [--release-spacing SECONDS]     callbacks held for the same opening leave this far
                                             apart per available agent (default 60; 0: at once)
             [--simultaneous-ring N]         ring up to N agents at once (1 to 10; default 1):
                                             the first to press 1 takes the call
  agent add --workspace ID --mode test|live --name NAME --phone +E164
            [--department D] [--webhook-url URL [--post-call-json compact|python]]
            [--unavailable] [--timezone IANA] [--schedule '{"1":[["09:00","17:00"]],…}']
                                   an agent switched off, or rung only in a weekly schedule
                                   (ISO weekdays, 1 = Monday) in their zone (else the workspace's)
  user create --email EMAIL --workspace ID --role owner|admin|viewer [--name NAME]
              [--password PASSWORD | --password-stdin]
                                   a console login; without a password one is made and
                                   printed once. Someone with an account gets the membership
                                   (their password is left as it is)
  user list [--workspace ID]       console users and their roles (never a password hash)
  list [--workspace ID]            workspaces, keys (never the keys themselves), domains, agents
  link create --domain ID --mode test|live [--param NAME=VALUE]... [--expires-in 30d]
              [--thank-you URL]
                                   a signed link to the domain's intake, with the fields it
                                   fixes (they win over a form's); it works until --expires-in
                                   (90m, 12h, 30d; default 30d, at most 366d). --thank-you must be
                                   on an allowed origin of a publishable key of the workspace
  link list --workspace ID --mode test|live [--status active|expired|revoked]
  link revoke --id ID              the link answers 410 from now on
  secrets rotate                   seals every webhook and agent secret under the first key of
                                   SECRETS_KEYS (after a keyring rotation, and for plaintext
                                   secrets from before sealing)

--mode is required where a thing belongs to one mode: a test key sees only test domains and
agents and places no real calls; a live key sees only live ones and dials through Twilio.

Works against DATABASE_URL; if unset, against the database of the \`npm run dev\` running in
this project (found through .data/dev.json, with its keyring). With --json, prints one JSON
object and nothing else. Keys and made passwords are printed once; only hashes are stored.
Webhook secrets are sealed with SECRETS_KEYS (the Worker's keyring), which agent add
--webhook-url and secrets rotate read from the environment; a webhook URL must pass the
Worker's rules, with WEBHOOKS_ALLOW_LOOPBACK_HTTP=true if set here as for the Worker.
Signed links are signed with a key derived from SECRETS_KEYS, and point at PUBLIC_URL, else
at the running npm run dev (else their url is null and only the token is printed).`;
