import { callAnswers } from "../calls/answer.ts";
import { settle } from "../calls/status.ts";
import { twilioCallback } from "../routes/kinds/twilio.ts";
import { TwilioCallbackQuery, TwilioLeadForm } from "../../schemas/twilio.ts";
import { leadAnswered, twiml, xmlType } from "./twiml.ts";

export const twilioLead = twilioCallback("lead", {
  summary: "The lead's phone is answered",
  description:
    "Called by Twilio on the lead's side once their phone is answered and the answering-machine detection has a " +
    "verdict (AnsweredBy), before the agent is bridged. A person (human, or unknown) gets an empty <Response/> and is " +
    "bridged, and the callback is connected. A machine (machine_*, fax) is hung up on, and the attempt is missed and " +
    "retried in the next lawful window; or, where the domain's machine_answer is voicemail, it is left " +
    "voicemail_message after the beep, and the callback retries or ends by retry_after_voicemail. The verdict is kept " +
    "on the attempt (answered_by) and in its call events.",
  query: TwilioCallbackQuery,
  form: TwilioLeadForm,
  responses: twiml,
}, async (c, { query, form }) => {
  const action = await callAnswers(c.env).leadAnswered(query.attempt, form.AnsweredBy ?? "unknown");
  // The lead's "answered" status may have come first: with the verdict in, the callback moves.
  c.executionCtx.waitUntil(settle(c.env, c.executionCtx, query.attempt));
  return c.body(leadAnswered(action), 200, xmlType);
});
