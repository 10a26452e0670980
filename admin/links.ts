import { eq } from "drizzle-orm";
import { listLinks, revokeLink } from "../db/queries/links.ts";
import * as schema from "../db/schema/index.ts";
import { makeLink, showLink } from "../functions/links/make.ts";
import { ApiError } from "../functions/lib/errors.ts";
import type { Keyring } from "../functions/lib/secrets.ts";
import { CreateLink, type Link, LinkStatus } from "../schemas/links.ts";
import type { Issue } from "../schemas/problem.ts";
import type { Mode } from "../schemas/scopes.ts";
import { AdminError, type AdminDb } from "./commands.ts";

// `npm run admin -- link create|list|revoke`: signed links through the same code as /v1/links
// (functions/links/make.ts, db/queries/links.ts), so a link made here is the link the API makes.
// Links point at PUBLIC_URL, else at the running npm run dev (admin/cli.ts sets it from there).

export type LinkInput = { domainId: string; mode: Mode; params: string[]; expiresIn?: string; thankYou?: string };

const baseUrl = () => process.env.PUBLIC_URL ?? null;

export async function createLink(db: AdminDb, keyring: Keyring, input: LinkInput): Promise<Link> {
  const [domain] = await db.select({ workspaceId: schema.domains.workspaceId, mode: schema.domains.mode }).from(schema.domains).where(eq(schema.domains.id, input.domainId));
  if (!domain) throw new AdminError(`there is no domain ${input.domainId}`);
  // As everywhere in the CLI, the mode is said, not assumed: a test link's leads are test data.
  if (domain.mode !== input.mode) throw new AdminError(`domain ${input.domainId} is a ${domain.mode} domain, not ${input.mode}`);
  const parsed = CreateLink.safeParse({
    domain_id: input.domainId,
    params: paramsOf(input.params),
    expires_in: input.expiresIn,
    thank_you_url: input.thankYou,
  });
  if (!parsed.success) throw new AdminError(said(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }))));
  try {
    const { row, token } = await makeLink(db, { workspaceId: domain.workspaceId, mode: domain.mode }, keyring, parsed.data);
    return showLink(keyring, baseUrl(), row, token);
  } catch (err) {
    if (err instanceof ApiError) throw new AdminError(said(err.issues));
    throw err;
  }
}

export async function revokeLinkById(db: AdminDb, keyring: Keyring, id: string): Promise<Link> {
  const [link] = await db.select({ workspaceId: schema.links.workspaceId, mode: schema.links.mode }).from(schema.links).where(eq(schema.links.id, id));
  const row = link ? await revokeLink(db, link, id) : null;
  if (!row) throw new AdminError(`there is no link ${id}`);
  return showLink(keyring, baseUrl(), row);
}

export async function listLinksOf(db: AdminDb, keyring: Keyring, owner: { workspaceId: string; mode: Mode }, status?: string): Promise<Link[]> {
  const parsed = status === undefined ? undefined : LinkStatus.safeParse(status);
  if (parsed && !parsed.success) throw new AdminError(`--status must be one of ${LinkStatus.options.join(", ")}`);
  const rows = await listLinks(db, owner, { status: parsed?.data }, 1000);
  return Promise.all(rows.map((row) => showLink(keyring, baseUrl(), row)));
}

/** --param k=v, repeated; a name given twice is refused rather than one silently winning. */
function paramsOf(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    if (equals < 1) throw new AdminError(`--param ${pair}: give it as name=value`);
    const name = pair.slice(0, equals);
    if (Object.hasOwn(params, name)) throw new AdminError(`--param ${name} is given twice`);
    params[name] = pair.slice(equals + 1);
  }
  return params;
}

const flagOf = new Map([
  ["domain_id", "--domain"],
  ["expires_in", "--expires-in"],
  ["thank_you_url", "--thank-you"],
]);
const said = (issues: Issue[]) =>
  issues.map(({ path, message }) => `${flagOf.get(path) ?? (path.startsWith("params.") ? `--param ${path.slice(7)}` : path)} ${message}`).join("; ");
