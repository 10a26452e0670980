import { findApiKey, keyJson, revokeApiKey } from "../../db/queries/api-keys.ts";
import { assertWithinAuthority } from "../lib/key-authority.ts";
import { forgetKey } from "../lib/key-cache.ts";
import { loggable } from "../lib/log-error.ts";
import { markRevoked } from "../lib/redis.ts";
import { apiKeys } from "../routes/resources.ts";
import { jsonResponse } from "../routes/route.ts";
import { ApiKey } from "../../schemas/keys.ts";

// A POST, not a DELETE: the row stays (its prefix, last four and revoked_at are the record of
// what a leaked key was), and only the key stops working.
export const revokeKey = apiKeys.member({
  method: "post",
  action: "revoke",
  summary: "Revoke an API key",
  description:
    "The key is refused (401) from the next request on; it stays listed, with revoked_at. Revoking a revoked key is " +
    "not an error: 200, with the time it was first revoked. A key may revoke itself (a key found leaked can be " +
    "revoked with itself); this answer is its last. A key cannot revoke a key with a scope it lacks, and a key bound " +
    "to an agent only keys bound to that agent (403). Writes no event. Secret keys with keys:write.",
  responses: { 200: jsonResponse("The key, revoked", ApiKey) },
  errors: { 403: "A publishable key, a key without keys:write, or a key beyond this key's own authority" },
}, async (c, id) => {
  const target = await apiKeys.find(c.var.db, c.var.owner, id, findApiKey);
  assertWithinAuthority(c.var.caller, { scopes: target.scopes, agentId: target.agentId }, "revoke");
  const row = await revokeApiKey(c.var.db, c.var.owner, id);
  if (!row) throw apiKeys.notFound(id);
  // Workers that hold the key in their cache see the marker in their next request's rate-limit
  // round trip. If Redis cannot take it now, they see the revocation when their entry runs out
  // (a minute at most, lib/key-cache.ts), or at once while Redis stays down (they read the key
  // again from PostgreSQL then): the revocation itself has been made, so it is not refused.
  forgetKey(id);
  await markRevoked(c.env, id).catch((err) => console.error(`keys: key ${id} is revoked, but its marker could not be written to Redis; cached copies expire within a minute`, loggable(err)));
  return c.json(ApiKey.parse(keyJson(row)), 200);
});
