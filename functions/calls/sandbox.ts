import { loggable } from "../lib/log-error.ts";
import type { PlaceCall, ProviderFactory } from "./telephony.ts";
import type { AttemptStatus, Leg } from "../../schemas/telephony.ts";

// The sandbox provider, for test keys. It makes no network calls and needs no settings: the
// lead's number decides how the call goes (README, "Sandbox numbers"), and the status updates it
// makes up are reported like Twilio's, to the same state machine.

export type SandboxOutcome = "completed" | "no-answer" | "busy" | "failed" | "agent-no-answer";

export const sandboxNumbers: Record<string, SandboxOutcome> = {
  "+15005550001": "completed",
  "+15005550002": "no-answer",
  "+15005550003": "busy",
  "+15005550004": "failed",
  "+15005550005": "agent-no-answer",
};

export const sandboxTalkSeconds = 42;

type Step = { leg: Leg; status: AttemptStatus; duration?: number };

function script(outcome: SandboxOutcome): Step[] {
  const agentAnswers: Step[] = [
    { leg: "agent", status: "queued" },
    { leg: "agent", status: "ringing" },
    { leg: "agent", status: "in-progress" },
    { leg: "lead", status: "queued" },
    { leg: "lead", status: "ringing" },
  ];
  switch (outcome) {
    case "completed":
      return [...agentAnswers, { leg: "lead", status: "in-progress" }, { leg: "lead", status: "completed", duration: sandboxTalkSeconds }, { leg: "agent", status: "completed" }];
    case "agent-no-answer":
      return [{ leg: "agent", status: "queued" }, { leg: "agent", status: "ringing" }, { leg: "agent", status: "no-answer" }];
    default:
      return [...agentAnswers, { leg: "lead", status: outcome }, { leg: "agent", status: "completed" }];
  }
}

export const sandboxTelephony: ProviderFactory<"sandbox"> = (_env, { report, waitUntil }) => ({
  name: "sandbox",
  // Nobody is rung: a call log's number is the workspace's caller id, else the agent's phone.
  callerId: null,
  async placeCall(call: PlaceCall) {
    const callId = `SB${crypto.randomUUID().replaceAll("-", "")}`;
    const leadCallId = `SB${crypto.randomUUID().replaceAll("-", "")}`;
    const steps = script(sandboxNumbers[call.leadPhone] ?? "completed");
    waitUntil(
      (async () => {
        const sequence = { agent: 0, lead: 0 };
        for (const step of steps) {
          await report({
            attemptId: call.attemptId,
            leg: step.leg,
            callId: step.leg === "agent" ? callId : leadCallId,
            status: step.status,
            sequence: sequence[step.leg]++,
            durationSeconds: step.duration ?? null,
          });
        }
      })().catch((err) => console.error(`sandbox: call ${call.attemptId} failed`, loggable(err))),
    );
    return { callId };
  },
  // A sandbox call plays out at once, inside placeCall's waitUntil: there is nothing to hang up,
  // and no record of one whose statuses never came (the isolate died while it played).
  async endCall() {},
  async callState() {
    return "unknown" as const;
  },
});
