import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { checkValue } from "../lib/body.ts";
import { ApiError } from "../lib/errors.ts";
import { ConsentInput } from "../../schemas/compliance.ts";
import { knownFields, maxFieldLength, maxFields } from "../../schemas/links.ts";
import type { Issue } from "../../schemas/problem.ts";

// What a person's form sent to a signed link: its fields from the query (a method="get" form) or
// a form body, checked as every body is (no control characters, no __proto__), merged under the
// fields the link fixes, and read as intake reads a CallMeBack form response.

/** Field name → value, without a prototype: a form may have a field named `valueOf`. */
export type Fields = Record<string, string>;

const formType = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

/** The fields the request sent, or null for a GET whose query carries none of a form's (a click, a scanner, utm_ tags). */
export async function submittedFields(c: Context<AppEnv>): Promise<Fields | null> {
  if (c.req.method !== "POST") {
    const query = [...new URL(c.req.url).searchParams];
    return query.some(([name]) => (knownFields as readonly string[]).includes(name)) ? collect(query) : null;
  }
  const type = c.req.header("content-type") ?? "";
  if ((await c.req.text()).trim() === "") return collect([]); // a button that posts nothing: the link's fields alone
  if (!formType.test(type)) {
    throw new ApiError("unsupported_media_type", "This address takes a web form's fields (application/x-www-form-urlencoded or multipart/form-data)");
  }
  const form = await c.req.formData().catch(() => {
    throw new ApiError("bad_request", "The form's fields could not be read");
  });
  const entries: [string, string][] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value !== "string") throw new ApiError("validation_failed", "Files are not taken here", { issues: [{ path: name, message: "is a file; only text fields are taken" }] });
    entries.push([name, value]);
  }
  return collect(entries);
}

function collect(entries: [string, string][]): Fields {
  const fields: Fields = Object.create(null);
  const issues: Issue[] = [];
  for (const [name, value] of entries) {
    checkValue({ [name]: value }, "", 0);
    if (name.length > 64) issues.push({ path: name.slice(0, 64), message: "is not a field name this form can have (64 characters at most)" });
    else if (value.length > maxFieldLength) issues.push({ path: name, message: `is longer than ${maxFieldLength} characters` });
    else if (Object.hasOwn(fields, name) && fields[name] !== value) issues.push({ path: name, message: "is given more than once, with different values" });
    else fields[name] = value;
  }
  if (Object.keys(fields).length > maxFields) issues.push({ path: "form", message: `has more than ${maxFields} fields` });
  if (issues.length > 0) throw new ApiError("validation_failed", "The form is not valid", { issues });
  return fields;
}

const Email = z.email().max(320);
const ticked = (value: string | undefined) => value !== undefined && !["", "no", "false", "0", "off"].includes(value.trim().toLowerCase());

/** The lead's fields, the form data to store, and the consent record, from the merged fields; throws 422 listing every bad one. */
export function readSubmission(fields: Fields, pageUrl: string | null) {
  const { phone, name, email, message, consent, consent_text: consentText, consent_version: consentVersion, ...rest } = fields;
  const issues: Issue[] = [];
  if (!phone?.trim()) issues.push({ path: "phone", message: "is required", missing: true });
  if (name && name.length > 200) issues.push({ path: "name", message: "is longer than 200 characters" });
  if (email?.trim() && !Email.safeParse(email.trim()).success) issues.push({ path: "email", message: "is not an email address" });
  const extras: Record<string, string> = Object.create(null);
  for (const [field, value] of Object.entries(rest)) if (value !== "") extras[field] = value;

  let record: ConsentInput | null = null;
  if (consentText?.trim()) {
    const parsed = ConsentInput.safeParse({ text: consentText, version: consentVersion?.trim() || null, checked: ticked(consent), page_url: pageUrl });
    if (parsed.success) record = parsed.data;
    else issues.push({ path: "consent_text", message: "is longer than a consent text may be (10,000 characters; its version 100)" });
  } else if (ticked(consent)) {
    issues.push({ path: "consent_text", message: "is required with consent: the words the person agreed to" });
  }
  if (issues.length > 0 || !phone) throw new ApiError("validation_failed", "The form is not valid", { issues });

  const lead = { name: name?.trim() || null, email: email?.trim() || null };
  const formData: Record<string, string> = Object.create(null);
  Object.assign(formData, { phone, ...(lead.name && { name: lead.name }), ...(lead.email && { email: lead.email }), ...(message?.trim() && { message }) });
  for (const [field, value] of Object.entries(extras)) formData[field] = value;
  return { phone, lead, extras, formData, consent: record };
}
