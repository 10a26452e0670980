import { native } from "../routes/kinds/native.ts";
import { links } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { CreateLink, Link } from "../../schemas/links.ts";
import { baseUrlOf } from "./base-url.ts";
import { makeLink, showLink } from "./make.ts";

export const createLink = defineRoute(native, {
  ...links.all("post", jsonBody(CreateLink)),
  summary: "Create a signed link",
  description:
    "A link to a domain's intake that carries no key: its token is an HMAC over the link's id, domain, fixed fields and " +
    "expiry, so none of them can be changed. Use its url as a plain HTML form's action (GET or POST), or send it to " +
    "a person to click (a click shows a confirmation page; only the submission schedules). Fixed params win over what " +
    "a form sends. Expires at expires_at, or after expires_in, or in 30 days; an expired or revoked link answers 410. " +
    "thank_you_url must be on an allowed origin of one of the workspace's publishable keys in this mode. Every invalid " +
    "field is a 422, the domain, a fixed phone and the thank-you origin included, and nothing is written. Writes no " +
    "event. Secret keys with links:write.",
  responses: { 201: jsonResponse("The link, with its token and URL", Link) },
  errors: { 422: "Every invalid field, including a domain_id of no domain of this workspace and mode and a thank_you_url on no allowed origin" },
}, async (c) => {
  const body = c.req.valid("json");
  const keyring = c.env.SECRETS_KEYS;
  const { row, token } = await makeLink(c.var.db, c.var.owner, keyring, body);
  return c.json(Link.parse(await showLink(keyring, baseUrlOf(c), row, token)), 201);
});
