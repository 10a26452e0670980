import { z } from "zod";
import { attemptStatusOf, type AttemptStatus } from "./telephony.ts";

// What Twilio sends our telephony routes. The query is ours (we wrote it into the URLs we
// gave Twilio, and Twilio signs it); the form fields are Twilio's, named as Twilio names them.
// Unknown fields are ignored: Twilio adds fields without notice.

const count = z
  .string()
  .regex(/^\d{1,9}$/, "must be a whole number")
  .transform(Number);

export const TwilioCallbackQuery = z
  .object({
    attempt: z
      .string()
      .regex(/^att_[0-9a-z]{1,64}$/, "must be a call attempt id (att_…)")
      .describe("The call attempt (att_…) the callback is about"),
  })
  .meta({ id: "TwilioCallbackQuery" });

export const TwilioStatusQuery = TwilioCallbackQuery.extend({
  leg: z.enum(["agent", "lead"]).describe("Which call: ours to the agent, or the agent's <Dial> to the lead"),
}).meta({ id: "TwilioStatusQuery" });

export const TwilioStatusForm = z.object({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, "must be a Twilio call sid (CA…)"),
  CallStatus: z
    .string()
    .transform((value, ctx) => {
      const status = attemptStatusOf(value);
      if (status !== null) return status;
      ctx.addIssue({ code: "custom", message: "is not a Twilio call status" });
      return z.NEVER;
    })
    .pipe(z.custom<AttemptStatus>()),
  SequenceNumber: count.optional(),
  CallDuration: count.optional(),
  RecordingUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/** What the TwiML route reads of Twilio's request: the number the agent's call came from. */
export const TwilioTwimlForm = z.object({
  From: z.string().optional().describe("The caller id the agent's call was placed with; the lead sees it too"),
});

/** A <Gather>'s action: the keys the agent pressed, none when they pressed nothing (actionOnEmptyResult). */
export const TwilioAcceptForm = z.object({
  Digits: z.string().max(32).optional().describe("The keys pressed; 1 takes the call"),
  From: z.string().optional().describe("The caller id the agent's call was placed with; the lead sees it too"),
});

/** A <Number url>'s request once the lead's phone is answered, with the answering-machine detection's verdict. */
export const TwilioLeadForm = z.object({
  AnsweredBy: z
    .string()
    .max(40)
    .optional()
    .describe("human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax or unknown; absent is unknown"),
});

export const TwilioRecordingForm = z.object({
  RecordingStatus: z.string().min(1),
  RecordingUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/** A verified Twilio request's parameters: its form fields, or a JSON body's top-level strings and numbers. */
export type SignedParams = { get(name: string): string | null };
