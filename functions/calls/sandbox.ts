import { loggable } from "../lib/log-error.ts";
import type { CallAnswers, PlaceCall, ProviderFactory, StatusSink } from "./telephony.ts";
import type { AttemptStatus, Leg } from "../../schemas/telephony.ts";

// The sandbox provider, for test keys. It makes no network calls and needs no settings: the
// lead's number decides how the call goes (README, "Sandbox numbers"). It plays both sides as
// Twilio's would go: it reports the same statuses to the same state machine, and asks the same
// questions when a phone is answered (answer.ts): whether the agent must press 1, and what to do
// with a lead's phone answered by a person or a machine.

export type SandboxOutcome =
  | "completed"
  | "no-answer"
  | "busy"
  | "failed"
  | "agent-no-answer"
  | "agent-voicemail"
  | "agent-no-press"
  | "lead-voicemail";

export const sandboxNumbers: Record<string, SandboxOutcome> = {
  "+15005550001": "completed",
  "+15005550002": "no-answer",
  "+15005550003": "busy",
  "+15005550004": "failed",
  "+15005550005": "agent-no-answer",
  "+15005550007": "agent-voicemail",
  "+15005550008": "agent-no-press",
  "+15005550009": "lead-voicemail",
};

export const sandboxTalkSeconds = 42;
// A voicemail greeting and its beep, or the message left after it.
const machineSeconds = 12;

export const sandboxTelephony: ProviderFactory<"sandbox"> = (_env, { report, answers, waitUntil }) => ({
  name: "sandbox",
  // Nobody is rung: a call log's number is the workspace's caller id, else the agent's phone.
  callerId: null,
  async placeCall(call: PlaceCall) {
    const ids = { agent: `SB${crypto.randomUUID().replaceAll("-", "")}`, lead: `SB${crypto.randomUUID().replaceAll("-", "")}` };
    const outcome = sandboxNumbers[call.leadPhone] ?? "completed";
    waitUntil(play(call.attemptId, outcome, ids, report, answers).catch((err) => console.error(`sandbox: call ${call.attemptId} failed`, loggable(err))));
    return { callId: ids.agent };
  },
  // A sandbox call plays out at once, inside placeCall's waitUntil: there is nothing to hang up,
  // and no record of one whose statuses never came (the isolate died while it played).
  async endCall() {},
  async callState() {
    return "unknown" as const;
  },
});

/** One call, as Twilio would play it: the agent's phone, the key press, the lead's phone, the end. */
async function play(attemptId: string, outcome: SandboxOutcome, ids: Record<Leg, string>, report: StatusSink, answers: CallAnswers): Promise<void> {
  const sequence = { agent: 0, lead: 0 };
  const status = (leg: Leg, value: AttemptStatus, duration?: number) =>
    report({ attemptId, leg, callId: ids[leg], status: value, sequence: sequence[leg]++, durationSeconds: duration ?? null });

  await status("agent", "queued");
  await status("agent", "ringing");
  if (outcome === "agent-no-answer") return status("agent", "no-answer");
  // Answered: by the agent, or by their voicemail.
  await status("agent", "in-progress");
  const greeting = await answers.greeting(attemptId);
  // Neither a voicemail nor an agent who lets the prompt pass presses 1.
  const presses = outcome === "agent-voicemail" || outcome === "agent-no-press" ? null : "1";
  if (!greeting || (greeting.mustAccept && !(await answers.agentResponded(attemptId, presses)))) return status("agent", "completed");

  await status("lead", "queued");
  await status("lead", "ringing");
  if (outcome === "no-answer" || outcome === "busy" || outcome === "failed") {
    await status("lead", outcome);
    return status("agent", "completed");
  }
  const action = await answers.leadAnswered(attemptId, outcome === "lead-voicemail" ? "machine_end_beep" : "human");
  await status("lead", "in-progress");
  await status("lead", "completed", action.kind === "bridge" ? sandboxTalkSeconds : machineSeconds);
  await status("agent", "completed");
}
