import { findApiKey, keyJson } from "../../db/queries/api-keys.ts";
import { apiKeys } from "../routes/resources.ts";
import { ApiKey } from "../../schemas/keys.ts";

export const getKey = apiKeys.get(
  {
    summary: "Get an API key",
    description: "Its prefix, last four characters, scopes and use; never the key or its hash. Secret keys with keys:read.",
    returns: "The key",
    schema: ApiKey,
  },
  findApiKey,
  keyJson,
);
