import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv, Caller } from "../context.ts";
import { linkForVisit } from "../../db/queries/links.ts";
import { linkPath } from "../../schemas/links.ts";
import { acceptIntake } from "../intake/accept.ts";
import { ApiError } from "../lib/errors.ts";
import { verifyLinkToken } from "../lib/link-token.ts";
import { LinkPage, linkKind } from "../routes/kinds/link.ts";
import { defineRoute, type Route } from "../routes/route.ts";
import { type Fields, readSubmission, submittedFields } from "./fields.ts";
import { confirmPage, contentSecurityPolicy, gonePage, thanksPage } from "./pages.ts";

// /l/{token}: a signed link, clicked or posted to. Only a submission schedules, and a prefetcher
// never submits: a HEAD, a request that says it is a prefetch (Sec-Purpose, Purpose, X-Moz,
// X-Purpose), and a GET whose query carries none of a form's fields are all answered with the
// confirmation page, whose form then POSTs. A POST, or a GET from a method="get" form (its
// query carries phone, name, email, message or consent fields), goes through intake as a
// CallMeBack form response of the link's domain would.

const html = { "text/html; charset=UTF-8": { schema: LinkPage } };
const form = z
  .record(z.string(), z.string())
  .describe("phone, name, email, message, consent (a ticked box), consent_text, consent_version, and any other field (kept on the lead)")
  .meta({ id: "LinkForm" });

const spec = {
  path: "/l/{token}",
  tags: ["links"],
  description:
    "A signed link (README, Signed links). A HEAD, a prefetch (Sec-Purpose, Purpose, X-Moz or X-Purpose: prefetch) and a " +
    "GET without form fields answer a confirmation page whose form POSTs here; only a POST, or a GET carrying a form's " +
    "fields, submits. The link's fixed fields win over submitted ones. A submission is a form response (form_type " +
    "\"link\") of the link's domain, with intake's de-duplication, limits and consent rule. Success: 303 to the link's " +
    "thank-you URL, else a thank-you page. Every answer is HTML, with a strict Content-Security-Policy, " +
    "Referrer-Policy: no-referrer and Cache-Control: no-store.",
  validation: "handler" as const,
  request: { params: z.strictObject({ token: z.string() }) },
  errors: { 410: "The link has expired or was revoked; nothing is written", 422: "A field intake refuses (the page shows the form again, saying why)", 429: "The workspace's hourly limit" },
  responses: { 200: { description: "The confirmation page, or the thank-you page after a submission", content: html }, 303: { description: "Submitted: on to the link's thank-you URL" } },
};

export const visitLinkGet: Route = defineRoute(linkKind, { ...spec, method: "get", summary: "Open a signed link" }, visit);
export const visitLinkPost: Route = defineRoute(linkKind, {
  ...spec,
  method: "post",
  summary: "Submit a form to a signed link",
  request: { ...spec.request, body: { required: false, content: { "application/x-www-form-urlencoded": { schema: form }, "multipart/form-data": { schema: form } } } },
}, visit);

const prefetchHeaders = ["sec-purpose", "purpose", "x-moz", "x-purpose"];

async function visit(c: Context<AppEnv>): Promise<Response> {
  const token = c.req.param("token") ?? "";
  const claims = await verifyLinkToken(c.env.SECRETS_KEYS, token);
  if (!claims) throw new ApiError("not_found", "No such link");
  const found = await linkForVisit(c.var.db, claims.l);
  if (!found || found.link.domainId !== claims.d) throw new ApiError("not_found", "No such link");
  const { link, workspace, origins } = found;
  const thankYou = link.thankYouUrl && origins.includes(new URL(link.thankYouUrl).origin) ? link.thankYouUrl : null;
  if (thankYou) c.header("Content-Security-Policy", await contentSecurityPolicy([new URL(thankYou).origin]));
  // Expiry by the token's own clock as well as the row's: either says the link is over.
  if (!found.live || claims.e * 1000 <= Date.now()) return c.html(gonePage(), 410);

  const action = linkPath(token);
  const confirm = (entered: Fields, issues: ApiError["issues"], status: 200 | 422 | 429, note?: string) =>
    c.html(confirmPage({ action, fixed: claims.p, entered, requireConsent: found.requireConsent, issues, note }), status);
  const prefetch = prefetchHeaders.some((name) => /prefetch|prerender/i.test(c.req.header(name) ?? ""));
  const submitted = c.req.method === "HEAD" || prefetch ? null : await submittedFields(c).catch(refusedAs(c, confirm));
  if (submitted instanceof Response) return submitted;
  if (!submitted) return confirm({}, [], 200);

  // The link's fields win: a link that fixes the phone rings that phone, whatever the form says.
  const fields: Fields = Object.create(null);
  Object.assign(fields, submitted, claims.p);
  const owner = { workspaceId: link.workspaceId, mode: link.mode };
  c.set("caller", linkCaller(workspace, link.mode, link.id));
  c.set("owner", owner);
  try {
    const page = sourceUrl(c.req.header("referer"), origins);
    const submission = readSubmission(fields, page);
    await acceptIntake(c, {
      domainId: link.domainId,
      agentId: null,
      phone: { raw: submission.phone, field: "phone" },
      lead: { ...submission.lead, timezone: null, customFields: submission.extras },
      formResponse: {
        formType: "link",
        formData: submission.formData,
        sourceUrl: page,
        userAgent: c.req.header("user-agent")?.slice(0, 1024) ?? null,
        ipAddress: c.req.header("cf-connecting-ip") ?? null,
      },
      callback: { source: "form_response", agentOverride: null, scheduledAt: null, timezone: null, metadata: {}, maxAttempts: null, retryIntervalsSeconds: null, onlyIfDomainAutoCallback: true },
      consent: { record: submission.consent, field: "consent" },
      phoneLimit: "skip-callback",
      fingerprintOf: submission.formData,
    });
  } catch (err) {
    return refusedAs(c, confirm, submitted)(err);
  }
  return thankYou ? c.redirect(thankYou, 303) : c.html(thanksPage(), 200);
}

/** A refusal a person can fix (a field, a limit) shows the form again with what they entered; anything else is the kind's page. */
function refusedAs(c: Context<AppEnv>, confirm: (entered: Fields, issues: ApiError["issues"], status: 200 | 422 | 429, note?: string) => Response | Promise<Response>, entered: Fields = {}) {
  return (err: unknown): Response | Promise<Response> => {
    if (!(err instanceof ApiError)) throw err;
    if (err.code === "validation_failed") return confirm(entered, err.issues.length > 0 ? err.issues : [{ path: "form", message: err.message }], 422, "Your request was not sent.");
    if (err.code === "rate_limited") {
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      return confirm(entered, [], 429, "Too many requests have come in just now; please try again later.");
    }
    throw err;
  };
}

/** The page the form was on, kept when it is on one of the workspace's allowed origins; without its query and fragment, which can carry what is not ours to keep. */
function sourceUrl(referer: string | undefined, origins: string[]): string | null {
  if (!referer || !URL.canParse(referer)) return null;
  const url = new URL(referer);
  if (!origins.includes(url.origin)) return null;
  return `${url.origin}${url.pathname}`.slice(0, 2048);
}

// Intake acts for a caller; a link's is its workspace, in its mode, with the authority of a
// publishable key (send a lead in, nothing else) and no agent. Never a key anyone holds.
function linkCaller(workspace: Caller["workspace"], mode: Caller["mode"], linkId: string): Caller {
  return {
    workspace,
    mode,
    agent: null,
    key: {
      id: `link:${linkId}`,
      workspaceId: workspace.id,
      mode,
      kind: "publishable",
      name: `signed link ${linkId}`,
      prefix: "link",
      last4: "",
      scopes: ["intake:write"],
      agentId: null,
      allowedOrigins: [],
      createdAt: new Date(0),
      lastUsedAt: null,
      revokedAt: null,
    },
  };
}
