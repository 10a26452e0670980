import { z } from "zod";

/** A key's kind and mode, read from its prefix (rb_live_…, rb_pk_test_…). Every row carries a mode. */
export type KeyKind = "secret" | "publishable";
export type Mode = "live" | "test";
/** Whose a row is: every row belongs to one workspace and one mode. */
export type Owner = { workspaceId: string; mode: Mode };

// What a key may do. Secret keys get every scope unless made narrower; publishable keys, which
// sit in web pages, can only send leads in.
export const scopes = [
  "intake:write",
  "leads:read",
  "leads:write",
  "callbacks:read",
  "callbacks:write",
  "webhooks:read",
  "webhooks:write",
  "events:read",
  "dnc:read",
  "dnc:write",
  // The management API (issue 12): agents, domains and keys, and the metrics read.
  "agents:read",
  "agents:write",
  "domains:read",
  "domains:write",
  "keys:read",
  "keys:write",
  "metrics:read",
  // Signed links (issue 13): made, listed and revoked with these; clicking one takes no key.
  "links:read",
  "links:write",
] as const;

export const Scope = z.enum(scopes);
export type Scope = z.infer<typeof Scope>;

export const defaultScopes: Record<KeyKind, Scope[]> = {
  secret: [...scopes],
  publishable: ["intake:write"],
};
