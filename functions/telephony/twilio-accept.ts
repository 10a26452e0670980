import { callAnswers } from "../calls/answer.ts";
import { hangUpRivals } from "../calls/hang-up.ts";
import { twilioCallback } from "../routes/kinds/twilio.ts";
import { TwilioAcceptForm, TwilioCallbackQuery } from "../../schemas/twilio.ts";
import { agentResponded, twiml, xmlType } from "./twiml.ts";

export const twilioAccept = twilioCallback("accept", {
  summary: "The agent's key press",
  description:
    "Called by Twilio when the agent's <Gather> ends, with the key pressed or none. 1 takes the call: the lead is " +
    "<Dial>led (as in the TwiML without the key press). Anything else, or nothing (the agent's voicemail, an agent who " +
    "does not answer the prompt), hangs up the agent's call, whose status callback then rings the next agent in the " +
    "rotation before the attempt counts as missed. A press is recorded once; one for a call that is no longer the " +
    "callback's does not bridge the lead. Where several agents were rung at once (the domain's simultaneous_ring), the " +
    "first 1 takes the call and the others are hung up; a later 1 is not taken.",
  query: TwilioCallbackQuery,
  form: TwilioAcceptForm,
  responses: twiml,
}, async (c, { query, form }) => {
  const answers = callAnswers(c.env);
  const accepted = await answers.agentResponded(query.attempt, form.Digits ?? null);
  const greeting = accepted ? await answers.greeting(query.attempt) : null;
  // The agents rung with this one (simultaneous ring) are hung up.
  if (accepted) c.executionCtx.waitUntil(hangUpRivals(c.env, c.executionCtx, query.attempt));
  return c.body(agentResponded(c.env.PUBLIC_URL ?? "", query.attempt, greeting, accepted, form.From), 200, xmlType);
});
