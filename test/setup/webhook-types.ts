// Shapes shared by the webhook receivers (Node) and the Worker tests that drive them. Types
// only, so both tsconfigs can take them.

export type WebhookLab = { url: string; port: number };

declare module "vitest" {
  interface ProvidedContext {
    webhookLab: WebhookLab;
  }
}

export type ScriptedResponse = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };

export type ReceiverConfig = {
  secrets?: string[]; // whsec_ secrets, each tried on its own
  hexSecret?: string; // key of X-Ringback-Signature and X-Calldock-Signature
  responses?: ScriptedResponse[];
};

export type ReceivedRequest = {
  at: number; // ms since the epoch, when the body had arrived
  answered: number | null; // ms since the epoch, when the response was sent; null while it is held
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  verdicts: {
    standard: Record<string, boolean>; // secret → verified by standardwebhooks
    ringbackHex: boolean | null;
    calldock: boolean | null; // null: no X-Calldock-Signature header
  };
};
