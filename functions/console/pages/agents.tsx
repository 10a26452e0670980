import type { Section } from "../forms.ts";

export const agentPages: Section = { get: {}, post: {} };
