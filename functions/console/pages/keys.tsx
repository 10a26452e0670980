import type { Section } from "../forms.ts";

export const keyPages: Section = { get: {}, post: {} };
