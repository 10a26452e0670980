import { z } from "@hono/zod-openapi";
import { attemptForTwiml } from "../../db/queries/call-attempts.ts";
import { twilioRouteUrl } from "../calls/twilio.ts";
import { twilioCallback } from "../routes/kinds/twilio.ts";
import { TwilioCallbackQuery, TwilioTwimlForm } from "../../schemas/twilio.ts";

// How long the lead's phone rings once the agent is on the line: Twilio's own default.
export const leadRingSeconds = 30;
// The whisper should be short: the agent is waiting, and the lead's phone is not ringing yet.
const maxSpokenName = 60;
const hangUp = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';

export const twilioTwiml = twilioCallback("twiml", {
  summary: "TwiML for a call attempt",
  description:
    "Called by Twilio when the agent answers: TwiML that tells the agent who they are being connected to " +
    "(\"Ringback call for <lead name, or a new lead>. Connecting now.\"), then <Dial>s the lead with " +
    `answerOnBridge (the agent hears the lead's phone ring) and a ${leadRingSeconds} s timeout, from the caller id ` +
    "the call was placed with, through a <Number> with its own status callback (leg=lead). An unknown attempt gets " +
    "<Hangup/>. Signature rules as for the status callback: missing 400, wrong 403; a query or form Twilio would not " +
    "send (not the query Ringback gave it) is a 400, as on every Twilio callback.",
  query: TwilioCallbackQuery,
  form: TwilioTwimlForm,
  responses: { 200: { description: "TwiML", content: { "text/xml": { schema: z.string() } } } },
}, async (c, { query, form }) => {
  const attempt = await attemptForTwiml(c.var.db, query.attempt);
  if (!attempt) return c.body(hangUp, 200, { "Content-Type": "text/xml; charset=utf-8" });

  const name = attempt.leadName?.trim().slice(0, maxSpokenName) || "a new lead";
  // The lead sees the number the agent's call came from: the workspace's caller id, which Twilio
  // hands back as From (and has signed). Without one, Twilio's default is that same number.
  const from = form.From;
  const callerId = from && /^\+[1-9]\d{6,14}$/.test(from) ? ` callerId="${xml(from)}"` : "";
  // Set: the signature was checked against it.
  const statusCallback = twilioRouteUrl(c.env.PUBLIC_URL ?? "", "status", { attempt: query.attempt, leg: "lead" });
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    "<Response>" +
    `<Say>Ringback call for ${xml(name)}. Connecting now.</Say>` +
    `<Dial${callerId} answerOnBridge="true" timeout="${leadRingSeconds}">` +
    `<Number statusCallback="${xml(statusCallback)}" statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">` +
    xml(attempt.leadPhone) +
    "</Number></Dial></Response>";
  return c.body(body, 200, { "Content-Type": "text/xml; charset=utf-8" });
});

// Escapes the five XML specials, and drops the control characters XML 1.0 does not allow at all.
function xml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point: XML 1.0 cannot carry them, so they are dropped
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "").replace(/[&<>"']/g, (ch) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[ch]};`);
}
