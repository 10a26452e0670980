import type { Section } from "../forms.ts";

export const domainPages: Section = { get: {}, post: {} };
