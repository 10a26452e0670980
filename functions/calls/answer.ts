import { answerContext, recordAcceptance, recordAnsweredBy } from "../../db/queries/call-answers.ts";
import { httpDb } from "../../db/client.ts";
import type { Env } from "../env.ts";
import type { CallAnswers, Greeting, LeadAction } from "./telephony.ts";

// The moments between a phone being answered and two people talking, decided here for every
// provider alike (Twilio's TwiML routes render the decisions; the sandbox plays them):
// - the agent answers: they hear who the lead is and, where the domain asks it (agent_accept),
//   press 1 to take the call; anything else, or silence (their voicemail), does not bridge the
//   lead, and the state machine rings the next agent when the agent's call ends;
// - the lead's phone is answered: by a person (or a verdict of "unknown", which is bridged:
//   hanging up on a person is worse than an agent hearing a greeting), or by a machine, which is
//   hung up on (the attempt is missed and retried) or left a voicemail, by the domain's
//   machine_answer. The state machine connects a callback only once a person has answered.

/** Twilio's AnsweredBy values that are not a person. */
const machines = new Set(["machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"]);

export const isMachine = (answeredBy: string | null): boolean => answeredBy !== null && machines.has(answeredBy);

const sources: Record<string, string> = {
  form_response: "from your website form",
  make_call: "from a make-call request",
  add_call_api: "from a call link",
  api: "from the API",
};

// The agent is waiting while this is read: the name and a few words of the message, not all.
const maxSpokenName = 60;
const snippetLength = 100;

export function callAnswers(env: Env): CallAnswers {
  const db = () => httpDb(env);
  return {
    async greeting(attemptId) {
      const call = await answerContext(db(), attemptId);
      // The agent is greeted while the callback is being dialled, not once it is in a conversation.
      if (call?.callbackStatus !== "dialing") return null;
      return {
        mustAccept: call.agentAccept,
        whisper: whisper(call.leadName, call.source, call.formMessage),
        leadPhone: call.leadPhone,
        leaveVoicemail: call.machineAnswer === "voicemail" && call.voicemailMessage !== null,
      };
    },

    async agentResponded(attemptId, digits) {
      const accepted = digits === "1";
      // Recorded once; a repeated press changes nothing, and neither does one for a call that is
      // no longer the callback's (canceled meanwhile): it is not bridged.
      const recorded = await recordAcceptance(db(), attemptId, accepted);
      if (recorded) return accepted;
      const call = await answerContext(db(), attemptId);
      return call?.callbackStatus === "dialing" && call.acceptedAt !== null;
    },

    async leadAnswered(attemptId, answeredBy) {
      const call = await answerContext(db(), attemptId);
      if (!call) return { kind: "hang-up" };
      // Twilio repeating its request (the callback may be connected by now) gets the same answer.
      if (call.answeredBy !== null) return actionFor(call.answeredBy, call.outcome === "voicemail_left" ? call.voicemailMessage : null);
      if (!isMachine(answeredBy)) {
        await recordAnsweredBy(db(), attemptId, answeredBy, null);
        return { kind: "bridge" };
      }
      const voicemail = call.machineAnswer === "voicemail" && call.voicemailMessage ? call.voicemailMessage : null;
      await recordAnsweredBy(db(), attemptId, answeredBy, voicemail ? "voicemail_left" : "machine");
      return voicemail ? { kind: "voicemail", message: voicemail } : { kind: "hang-up" };
    },
  };
}

/** What was decided for the lead's phone, answered by `answeredBy` (a voicemail left: its words). */
function actionFor(answeredBy: string, voicemail: string | null): LeadAction {
  if (!isMachine(answeredBy)) return { kind: "bridge" };
  return voicemail ? { kind: "voicemail", message: voicemail } : { kind: "hang-up" };
}

/** What the agent hears first: who the lead is, where they came from, and what they wrote. */
export function whisper(name: string | null, source: string, message: string | null): Greeting["whisper"] {
  const who = name?.trim().slice(0, maxSpokenName) || "a new lead";
  const wrote = message?.replace(/\s+/g, " ").trim();
  const snippet = wrote && wrote.length > snippetLength ? `${wrote.slice(0, snippetLength).replace(/\s+\S*$/, "")}…` : wrote;
  return `Ringback call for ${who}, ${sources[source] ?? "from your website"}.${snippet ? ` They wrote: ${snippet}` : ""}`;
}
