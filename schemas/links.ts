import { z } from "zod";
import { Mode } from "./account.ts";
import { idCursor, listQuery, OffsetTime, page, Time } from "./common.ts";

// Signed links (/v1/links, and the link itself at /l/{token}): a URL a plain HTML form can post
// to, or a person can click, that sends a lead into one domain without an API key in it. The
// token is an HMAC over the link's id, its domain, the parameters it fixes and its expiry
// (functions/lib/link-token.ts), so none of them can be changed in the URL.

/** The fields a person's form sends that mean something to intake; any other field is an extra. */
export const knownFields = ["phone", "name", "email", "message", "consent", "consent_text", "consent_version"] as const;

// Consent is the person's to give, each time: a link cannot give it for them.
const consentFields = new Set(["consent", "consent_text", "consent_version"]);
const fieldName = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const maxFieldLength = 2000;
export const maxFields = 30;

export const LinkParams = z
  .record(z.string(), z.string().min(1).max(maxFieldLength))
  .superRefine((params, ctx) => {
    const names = Object.keys(params);
    if (names.length > 20) ctx.addIssue({ code: "custom", message: "fixes at most 20 fields", input: params });
    for (const name of names) {
      if (!fieldName.test(name)) {
        ctx.addIssue({ code: "custom", path: [name], message: "is not a field name: a letter, then up to 63 letters, digits, _ . or -", input: name });
      } else if (consentFields.has(name)) {
        ctx.addIssue({ code: "custom", path: [name], message: "cannot be fixed: consent is the person's to give when they submit", input: name });
      }
    }
  })
  .describe(
    "Form fields the link fixes, which win over what a form submits: phone, name, email, message, or any other field " +
      "(kept on the lead). Not consent, which the person gives. A phone here is checked as intake would read it",
  );

const day = 86_400;
export const maxLifetimeSeconds = 366 * day;
const units = { m: 60, h: 3600, d: day } as const;

/** "30d", "12h", "90m" → seconds; null for anything else. */
export function lifetimeSeconds(text: string): number | null {
  const match = /^([1-9][0-9]{0,5})([mhd])$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * units[match[2] as keyof typeof units];
}

export const ExpiresIn = z
  .string()
  .max(10)
  .refine((v) => {
    const seconds = lifetimeSeconds(v);
    return seconds !== null && seconds <= maxLifetimeSeconds;
  }, "must be a number of minutes, hours or days, such as 90m, 12h or 30d, up to 366d")
  .describe("How long the link works from now: 90m, 12h, 30d (up to 366d)");

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export const CreateLink = z
  .strictObject({
    domain_id: z.string().min(1).max(100).describe("The domain (dom_…) whose leads the link sends in, of this workspace and mode"),
    params: LinkParams.optional(),
    expires_at: OffsetTime.optional().describe("When the link stops working (410); at most 366 days ahead. Give this or expires_in; neither: 30 days"),
    expires_in: ExpiresIn.optional(),
    thank_you_url: z
      .string()
      .max(2000)
      .refine((v) => URL.canParse(v) && ["http:", "https:"].includes(new URL(v).protocol), "must be an http or https URL")
      .optional()
      .describe(
        "Where a person goes after submitting (303). Its origin must be an allowed origin of one of this workspace's " +
          "publishable keys in this mode; without it, a small thank-you page",
      ),
  })
  .refine((v) => !(v.expires_at !== undefined && v.expires_in !== undefined), {
    path: ["expires_in"],
    message: "give expires_at or expires_in, not both",
    when: ({ value }) => isObject(value),
  })
  .meta({ id: "CreateLink" });

export type CreateLink = z.output<typeof CreateLink>;

export const LinkStatus = z.enum(["active", "expired", "revoked"]);

export const Link = z
  .strictObject({
    id: z.string().describe("lnk_…"),
    domain_id: z.string(),
    mode: Mode,
    params: z.record(z.string(), z.string()),
    thank_you_url: z.string().nullable(),
    status: LinkStatus.describe("active until expires_at or revoked_at; an expired or revoked link answers 410"),
    token: z.string().nullable().describe("The signed token; null once the keyring key that signed it has been retired (the link then answers 404)"),
    url: z.string().nullable().describe("The link: a form's action, or a link to click (a click shows a confirmation page first)"),
    expires_at: Time,
    revoked_at: Time.nullable(),
    created_at: Time,
  })
  .meta({ id: "Link" });

export type Link = z.input<typeof Link>;

export const LinkList = z.object(page(Link)).meta({ id: "LinkList" });

export const LinkListQuery = listQuery(idCursor("link"), {
  status: LinkStatus.optional().describe("Only links that are active, expired or revoked"),
});

/** What a token carries, signed (functions/lib/link-token.ts). Short names: it sits in a URL. */
export const LinkTokenPayload = z.strictObject({
  v: z.literal(1),
  l: z.string().max(100).describe("the link's id"),
  d: z.string().max(100).describe("its domain's id"),
  p: z.record(z.string(), z.string()).describe("the fields it fixes"),
  e: z.number().int().positive().describe("expiry, Unix seconds"),
});

export type LinkTokenPayload = z.infer<typeof LinkTokenPayload>;

/** The path a link answers on; the token is its one segment. */
export const linkPath = (token: string) => `/l/${token}`;
