import { keyJson, listKeys as selectKeys } from "../../db/queries/api-keys.ts";
import { apiKeys } from "../routes/resources.ts";
import { ApiKeyList, ApiKeyListQuery } from "../../schemas/keys.ts";

export const listKeys = apiKeys.list(
  {
    summary: "List API keys",
    description:
      "The keys of the key's workspace and mode, revoked ones included, newest first, in pages of `limit` (1 to 100, " +
      "default 25); pass next_cursor as cursor for the next page. Filter by kind and revoked. A key is never shown, " +
      "nor its hash: only its prefix and last four characters. Secret keys with keys:read.",
    returns: "A page of keys",
    query: ApiKeyListQuery,
    schema: ApiKeyList,
  },
  (db, owner, q) => selectKeys(db, owner, { kind: q.kind, revoked: q.revoked, before: q.cursor }, q.limit),
  keyJson,
);
