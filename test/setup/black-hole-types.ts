// Shapes shared by the black hole (Node) and the Worker tests that point settings at it. Types
// only, so both tsconfigs can take them.

/** An HTTP server on loopback that takes requests and never answers them. */
export type BlackHole = { url: string };

declare module "vitest" {
  interface ProvidedContext {
    blackHole: BlackHole;
  }
}
