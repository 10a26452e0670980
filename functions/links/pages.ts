import type { Issue } from "../../schemas/problem.ts";

// The small HTML pages a signed link answers with: a person clicked it or posted a form to it,
// so a refusal is a page that says why and how to go on, never JSON. No script runs on them (the
// Content-Security-Policy allows none), and they carry no asset: one inline style, allowed by its
// hash.

const style =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}" +
  "label{display:block;margin:.75rem 0 .25rem}input,textarea{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}" +
  ".check{display:flex;gap:.5rem;align-items:flex-start}.check input{width:auto;margin-top:.35rem}" +
  "button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit}.errors{color:#a00}dl{margin:0}dd{margin:0 0 .5rem}";

let styleHash: Promise<string> | undefined;

/** The page's Content-Security-Policy: nothing loads, no script runs, a form posts only to the link (and a redirect only to its thank-you origin). */
export async function contentSecurityPolicy(formTargets: string[] = []): Promise<string> {
  styleHash ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(style)).then((d) => btoa(String.fromCharCode(...new Uint8Array(d))));
  const targets = ["'self'", ...formTargets].join(" ");
  return `default-src 'none'; style-src 'sha256-${await styleHash}'; form-action ${targets}; base-uri 'none'; frame-ancestors 'none'`;
}

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => escapes[ch] ?? ch);

export function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${style}</style></head>` +
    `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`
  );
}

/** What a person is told about each refused field, in words for them rather than field paths. */
function issueList(issues: Issue[]): string {
  if (issues.length === 0) return "";
  const items = issues.map((issue) => `<li>${escapeHtml(fieldLabel(issue.path))} ${escapeHtml(issue.message)}</li>`).join("");
  return `<div class="errors" role="alert"><p>Please check:</p><ul>${items}</ul></div>`;
}

// Looked up by the form's own field names, so a Map: a field named `valueOf` is just a field.
const labels = new Map([
  ["phone", "Phone"],
  ["name", "Name"],
  ["email", "Email"],
  ["message", "Message"],
  ["consent", "Consent"],
  ["consent_text", "Consent"],
  ["consent.checked", "Consent"],
]);
const fieldLabel = (path: string) => labels.get(path) ?? path;

export const defaultConsentText = "I agree to be called back at this number about my enquiry.";

export type ConfirmForm = {
  action: string;
  /** Fields the link fixes: shown, not editable. */
  fixed: Record<string, string>;
  /** What the person entered before, when the form comes back with issues. */
  entered: Record<string, string>;
  requireConsent: boolean;
  issues: Issue[];
  note?: string;
};

/** The form a click on a link (or a refused submission) shows: it POSTs to the link, which only then schedules. */
export function confirmPage(form: ConfirmForm): string {
  const value = (name: string) => escapeHtml(form.fixed[name] ?? form.entered[name] ?? "");
  const input = (name: string, label: string, type: string, extra = "") =>
    form.fixed[name] !== undefined ? "" : `<label for="${name}">${label}</label><input id="${name}" name="${name}" type="${type}" value="${value(name)}"${extra}>`;
  const fixed = Object.entries(form.fixed)
    .map(([name, text]) => `<dt>${escapeHtml(fieldLabel(name))}</dt><dd>${escapeHtml(text)}</dd>`)
    .join("");
  const consentText = form.entered.consent_text || defaultConsentText;
  const version = form.entered.consent_text ? (form.entered.consent_version ?? "") : "ringback-link-1";
  const body =
    (form.note ? `<p>${escapeHtml(form.note)}</p>` : "<p>Ask for a call back: check the details and send.</p>") +
    issueList(form.issues) +
    `<form method="post" action="${escapeHtml(form.action)}">` +
    (fixed ? `<dl>${fixed}</dl>` : "") +
    input("phone", "Phone", "tel", ' required autocomplete="tel"') +
    input("name", "Name", "text", ' autocomplete="name"') +
    input("email", "Email", "email", ' autocomplete="email"') +
    (form.fixed.message !== undefined ? "" : `<label for="message">Message</label><textarea id="message" name="message" rows="3">${value("message")}</textarea>`) +
    `<p class="check"><input id="consent" name="consent" type="checkbox" value="yes"${form.requireConsent ? " required" : ""}>` +
    `<label for="consent">${escapeHtml(consentText)}</label></p>` +
    `<input type="hidden" name="consent_text" value="${escapeHtml(consentText)}">` +
    (version ? `<input type="hidden" name="consent_version" value="${escapeHtml(version)}">` : "") +
    `<button type="submit">Call me back</button></form>`;
  return page("Request a call back", body);
}

export const thanksPage = () => page("Thank you", "<p>We have your request and will call you back.</p>");

export const gonePage = () => page("This link has expired", "<p>This link no longer works: it has expired or was withdrawn. Ask whoever sent it for a new one.</p>");

/** A refusal that has no form to show again (a garbled link, a request that could not be read). */
export function refusalPage(title: string, message: string, back?: string): string {
  const link = back ? `<p><a href="${escapeHtml(back)}">Go back to the form</a></p>` : "<p>Use your browser's Back button to try again.</p>";
  return page(title, `<p>${escapeHtml(message)}</p>${link}`);
}
