import { findDomain } from "../../db/queries/domains.ts";
import { allowedOrigins, insertLink, linkJson, type LinkRow } from "../../db/queries/links.ts";
import type { AnyDb } from "../../db/queries/sealed-secrets.ts";
import { newId } from "../../schemas/ids.ts";
import { type CreateLink, lifetimeSeconds, type Link, linkPath, maxLifetimeSeconds } from "../../schemas/links.ts";
import { toE164 } from "../../schemas/phone.ts";
import type { Issue } from "../../schemas/problem.ts";
import type { Owner } from "../../schemas/scopes.ts";
import { ApiError } from "../lib/errors.ts";
import { signLink } from "../lib/link-token.ts";
import type { Keyring } from "../lib/secrets.ts";

// Making a link, for POST /v1/links and `npm run admin -- link create` alike: what only the
// database can say about a request (its domain, the phone it fixes, its thank-you origin) is
// checked with the rest, every issue reported at once, before anything is written.

const defaultLifetimeSeconds = 30 * 86_400;

export async function makeLink(db: AnyDb, owner: Owner, keyring: Keyring, input: CreateLink, now = new Date()): Promise<{ row: LinkRow; token: string }> {
  const issues: Issue[] = [];
  const expiresAt = expiryOf(input, now, issues);
  const [domain, origins] = await Promise.all([findDomain(db, owner, input.domain_id), input.thank_you_url ? allowedOrigins(db, owner) : ([] as string[])]);
  if (!domain) issues.push({ path: "domain_id", message: "is not a domain of this workspace and mode" });
  const phone = input.params?.phone;
  if (phone !== undefined && domain && !toE164(phone, domain.defaultCountry ?? undefined)) {
    issues.push({ path: "params.phone", message: "is not a phone number intake would take; use international format, e.g. +14155550100" });
  }
  if (input.thank_you_url && !origins.includes(new URL(input.thank_you_url).origin)) {
    const known = origins.length === 0 ? "this workspace has no publishable key in this mode, so no origin is allowed" : `allowed: ${origins.join(", ")}`;
    issues.push({ path: "thank_you_url", message: `is not on an allowed origin of this workspace's publishable keys (${known})` });
  }
  if (issues.length > 0 || !domain) throw new ApiError("validation_failed", "The request json is not valid", { issues });

  const facts = { linkId: newId("link"), domainId: domain.id, params: input.params ?? {}, expiresAt };
  const token = await signLink(keyring, keyring.current, facts);
  // The keyring's current key is always in it.
  if (!token) throw new Error("makeLink: the keyring's current key signs nothing");
  const row = await insertLink(db, owner, {
    id: facts.linkId,
    domainId: facts.domainId,
    params: facts.params,
    thankYouUrl: input.thank_you_url ?? null,
    keyId: keyring.current,
    expiresAt,
  });
  return { row, token };
}

/**
 * A link as the API shows it, its token made again from the row (the same token it was made
 * with). Its URL is on `baseUrl`; null where that is not known (the admin CLI without PUBLIC_URL
 * or a running npm run dev).
 */
export async function showLink(keyring: Keyring, baseUrl: string | null, row: LinkRow, token?: string): Promise<Link> {
  const made = token ?? (await signLink(keyring, row.keyId, { linkId: row.id, domainId: row.domainId, params: row.params, expiresAt: row.expiresAt }));
  return linkJson(row, { token: made, url: made && baseUrl ? new URL(linkPath(made), baseUrl).toString() : null });
}

// Whole seconds: the token carries its expiry in seconds, and the row must say the same.
function expiryOf(input: CreateLink, now: Date, issues: Issue[]): Date {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (input.expires_at === undefined) {
    const seconds = input.expires_in === undefined ? defaultLifetimeSeconds : (lifetimeSeconds(input.expires_in) ?? defaultLifetimeSeconds);
    return new Date((nowSeconds + seconds) * 1000);
  }
  const at = Math.floor(Date.parse(input.expires_at) / 1000);
  if (at <= nowSeconds) issues.push({ path: "expires_at", message: "must be in the future" });
  else if (at - nowSeconds > maxLifetimeSeconds) issues.push({ path: "expires_at", message: "must be at most 366 days ahead" });
  return new Date(at * 1000);
}
