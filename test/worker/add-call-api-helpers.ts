import { expect } from "vitest";
import { AddCallAccepted } from "../../schemas/brightcall.ts";
import { call, makeDomain, tenant } from "./fixtures.ts";

// Requests to Brightcall's add_call_api the ways its users send them: a JSON webhook, a form
// post, a plain GET link.

export const path = "/rest/v1/ext/add_call_api/";

export type Params = Record<string, unknown>;

export async function setup(settings = {}, domainSettings = {}) {
  const t = await tenant("Brightcall shop", settings);
  const domain = await makeDomain(t.workspace.id, "live", domainSettings);
  return { ...t, domain };
}

/** The seed's minimal parameters; only the widget key and the API key are ours. */
export const minimal = (widgetKey: string, apiKey: string): Params => ({ widget_key: widgetKey, api_key: apiKey, lc_number: "+1234567890" });

export const postJson = (params: Params, headers: Record<string, string> = {}, at = path) =>
  call(at, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(params) });

export const postForm = (params: Record<string, string>, headers: Record<string, string> = {}, at = path) =>
  call(at, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(params).toString() });

export const getLink = (params: Record<string, string>, headers: Record<string, string> = {}, at = path) =>
  call(`${at}?${new URLSearchParams(params)}`, { headers });

/** A 2xx answer, checked against the documented schema. */
export async function accepted(res: Response, status: 200 | 201 = 201) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return AddCallAccepted.parse(JSON.parse(text));
}
