import type { Caller } from "../context.ts";

// A signed-in console member reads and changes everything through the public API, in-process
// (functions/console/api.ts), so the console cannot show or do what the API does not, and a
// viewer is refused by the same scope checks that refuse a narrow key. The request object itself
// carries the member: it was made inside this isolate, so nothing that arrives over the network
// can claim to be one.
const members = new WeakMap<Request, Caller>();

export function asMember(request: Request, caller: Caller): Request {
  members.set(request, caller);
  return request;
}

export function memberOf(request: Request): Caller | undefined {
  return members.get(request);
}
