import { z } from "@hono/zod-openapi";
import type { Greeting, LeadAction } from "../calls/telephony.ts";
import { twilioRouteUrl } from "../calls/twilio.ts";

// The TwiML Ringback answers Twilio with, built from the decisions of functions/calls/answer.ts:
// https://www.twilio.com/docs/voice/twiml. Everything put in it is escaped.

// How long the lead's phone rings once the agent has taken the call: Twilio's own default.
export const leadRingSeconds = 30;
// How long Twilio waits for the agent's key press once the whisper has been read.
export const acceptSeconds = 8;

/** What each TwiML route answers, as the document shows it, and its media type. */
export const twiml = { 200: { description: "TwiML", content: { "text/xml": { schema: z.string() } } } };
export const xmlType = { "Content-Type": "text/xml; charset=utf-8" };

const document = (verbs: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs}</Response>`;

export const hangUp = document("<Hangup/>");

/**
 * When the agent answers: the whisper, then either a key press to take the call (Gather, whose
 * action, /accept, is called even without one) or, without the gate, the lead at once.
 */
export function agentAnswered(publicUrl: string, attempt: string, greeting: Greeting, from: string | undefined): string {
  if (!greeting.mustAccept) return document(`<Say>${xml(greeting.whisper)} Connecting now.</Say>${dialLead(publicUrl, attempt, greeting, from)}`);
  const action = twilioRouteUrl(publicUrl, "accept", { attempt });
  return document(
    `<Gather action="${xml(action)}" method="POST" numDigits="1" timeout="${acceptSeconds}" actionOnEmptyResult="true">` +
      `<Say>${xml(greeting.whisper)} Press 1 to take the call.</Say></Gather><Hangup/>`,
  );
}

/** The agent's key press: the lead, or goodbye (the state machine rings the next agent). */
export function agentResponded(publicUrl: string, attempt: string, greeting: Greeting | null, accepted: boolean, from: string | undefined): string {
  if (!accepted || !greeting) return document("<Say>Not taken. Goodbye.</Say><Hangup/>");
  return document(`<Say>Connecting now.</Say>${dialLead(publicUrl, attempt, greeting, from)}`);
}

/** What the lead's side runs once answered, before the agent is bridged: nothing, a hang-up, or the voicemail. */
export function leadAnswered(action: LeadAction): string {
  if (action.kind === "bridge") return document("");
  if (action.kind === "voicemail") return document(`<Say>${xml(action.message)}</Say><Hangup/>`);
  return hangUp;
}

// The lead, dialled from the agent's call: answerOnBridge (the agent hears it ring), from the
// caller id the agent's call came from (Twilio hands it back as From, signed), with its own
// status callback (leg=lead), and answering-machine detection whose verdict comes to /lead
// before the agent is bridged: DetectMessageEnd waits for a voicemail's beep, to speak after it.
function dialLead(publicUrl: string, attempt: string, greeting: Greeting, from: string | undefined): string {
  const callerId = from && /^\+[1-9]\d{6,14}$/.test(from) ? ` callerId="${xml(from)}"` : "";
  const statusCallback = twilioRouteUrl(publicUrl, "status", { attempt, leg: "lead" });
  const lead = twilioRouteUrl(publicUrl, "lead", { attempt });
  return (
    `<Dial${callerId} answerOnBridge="true" timeout="${leadRingSeconds}">` +
    `<Number url="${xml(lead)}" method="POST" machineDetection="${greeting.leaveVoicemail ? "DetectMessageEnd" : "Enable"}" ` +
    `statusCallback="${xml(statusCallback)}" statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">` +
    `${xml(greeting.leadPhone)}</Number></Dial>`
  );
}

// Escapes the five XML specials, and drops the control characters XML 1.0 does not allow at all.
function xml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point: XML 1.0 cannot carry them, so they are dropped
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "").replace(/[&<>"']/g, (ch) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[ch]};`);
}
