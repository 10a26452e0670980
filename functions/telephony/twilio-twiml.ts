import { callAnswers } from "../calls/answer.ts";
import { twilioCallback } from "../routes/kinds/twilio.ts";
import { TwilioCallbackQuery, TwilioTwimlForm } from "../../schemas/twilio.ts";
import { acceptSeconds, agentAnswered, hangUp, leadRingSeconds, twiml, xmlType } from "./twiml.ts";

export const twilioTwiml = twilioCallback("twiml", {
  summary: "TwiML for a call attempt",
  description:
    "Called by Twilio when the agent answers. The agent hears who the lead is: \"Ringback call for <lead name, or a " +
    "new lead>, <where they came from>. They wrote: <the first words of the form's message>.\" Where the domain " +
    `asks the agent to accept (agent_accept, the default), a <Gather> waits ${acceptSeconds} s for a key and posts it, ` +
    "or nothing, to /telephony/twilio/accept; otherwise the lead is <Dial>led at once. Either way the lead is dialled " +
    `with answerOnBridge and a ${leadRingSeconds} s timeout, from the caller id the call was placed with, through a ` +
    "<Number> with its own status callback (leg=lead) and answering-machine detection, whose verdict goes to " +
    "/telephony/twilio/lead before the agent is bridged. A call that is no longer the callback's gets <Hangup/>. " +
    "Signatures: missing 400, wrong 403; a query or form Twilio would not send (not the query Ringback gave it) is a " +
    "400, as on every Twilio callback.",
  query: TwilioCallbackQuery,
  form: TwilioTwimlForm,
  responses: twiml,
}, async (c, { query, form }) => {
  const greeting = await callAnswers(c.env).greeting(query.attempt);
  // PUBLIC_URL is set: the signature was checked against it.
  const body = greeting ? agentAnswered(c.env.PUBLIC_URL ?? "", query.attempt, greeting, form.From) : hangUp;
  return c.body(body, 200, xmlType);
});
