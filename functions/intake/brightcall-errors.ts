import { issuesByPath } from "../lib/dialect.ts";
import type { ErrorRenderer } from "../lib/errors.ts";
import type { BrightcallError } from "../../schemas/brightcall.ts";

// Seed 003 shows no responses. Its callers are Zapier webhooks and plain links from forms, which
// look at the status and, at best, at a flat JSON body. Every refusal is therefore
// {"success": false, "error": {"code", "message", "fields"?, "retry_after"?}}: `code` is the
// stable error code, `fields` names every missing or invalid parameter, and the message repeats
// their names so that a person who opened the link in a browser can read what to fix.
export const renderBrightcall: ErrorRenderer = (error) => {
  const body: BrightcallError = { success: false, error: { code: error.code, message: error.message } };
  if (error.issues.length > 0) {
    body.error.fields = issuesByPath(error.issues);
    if (error.code === "validation_failed") {
      body.error.message = `Missing or invalid parameters: ${Object.keys(body.error.fields).join(", ")}`;
    }
  } else if (error.code === "not_found" && (error.facts.field === "widget_key" || error.facts.field === "domain_id")) {
    // acceptIntake names the domain by its id; Brightcall callers know it by its widget key.
    body.error.message = "Unknown widget_key";
    body.error.fields = { widget_key: ["is not a widget key of this API key's workspace and mode"] };
  } else if (error.code === "bad_request" && typeof error.facts.path === "string" && error.message.startsWith(`${error.facts.path} `)) {
    // "lc_param_name contains a control character" → fields: {"lc_param_name": ["contains a control character"]}
    body.error.fields = issuesByPath([{ path: error.facts.path, message: error.message.slice(error.facts.path.length + 1) }]);
  } else if (error.code === "rate_limited") {
    body.error.retry_after = Number(error.facts.retryAfter ?? 60);
  }
  return { status: error.status, body, contentType: "application/json" };
};
