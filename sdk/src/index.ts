import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.ts";

// A thin client: openapi-fetch over the types openapi-typescript generates from openapi.json
// (schema.ts, written by `npm run sdk`). Every path, parameter, body and answer, error bodies
// included, is typed by the document; nothing here restates it.

export type { components, paths, webhooks } from "./schema.ts";
export type { WebhookEvent, WebhookEventType } from "./webhooks.ts";

export type RingbackOptions = {
  /** The deployment's origin, e.g. https://ringback.example.com (the document's server). */
  baseUrl: string;
  /**
   * rb_live_… or rb_test_…, sent as Authorization: Bearer, from a server. In a web page, a
   * publishable rb_pk_… (from an origin the key lists, on the routes that take one): it is sent
   * as `api_key` in the URL instead, where the browser's CORS preflight can show it to Ringback.
   */
  apiKey: string;
  /** A fetch of your own (a test double, a proxy, a runtime without a global fetch). */
  fetch?: ClientOptions["fetch"];
};

export type Ringback = Client<paths>;

/** A typed client of the Ringback API: `ringback.POST("/v1/callbacks", { body })` answers `{ data, error, response }`. */
export function createRingback({ baseUrl, apiKey, fetch }: RingbackOptions): Ringback {
  // Refused here rather than as a 401 on the first call, whose cause would be less plain.
  if (!baseUrl) throw new TypeError("createRingback: baseUrl is required (your deployment's origin)");
  if (!apiKey) throw new TypeError("createRingback: apiKey is required");
  if (!apiKey.startsWith("rb_pk_")) return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` }, ...(fetch && { fetch }) });
  const client = createClient<paths>({ baseUrl, ...(fetch && { fetch }) });
  client.use(keyInUrl(apiKey));
  return client;
}

/**
 * A preflight carries none of the page's headers, so Ringback answers it per the key in the URL
 * (README, API keys). The request is made again rather than changed: its URL cannot be.
 */
function keyInUrl(apiKey: string): Middleware {
  return {
    async onRequest({ request }) {
      const url = new URL(request.url);
      url.searchParams.set("api_key", apiKey);
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.text();
      return new Request(url, { method: request.method, headers: request.headers, body, signal: request.signal });
    },
  };
}

type Schemas = components["schemas"];
/** The main resources, as the API answers them. */
export type Lead = Schemas["Lead"];
export type Callback = Schemas["Callback"];
export type CallbackStatus = Schemas["CallbackStatus"];
export type FormResponse = Schemas["StoredFormResponse"];
export type Event = Schemas["EventEnvelope"];
export type WebhookEndpoint = Schemas["WebhookEndpoint"];
export type WebhookDelivery = Schemas["WebhookDelivery"];
/** An error of the native API (application/problem+json, RFC 9457). */
export type Problem = Schemas["Problem"];
