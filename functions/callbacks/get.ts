import { findCallback } from "../../db/queries/callbacks.ts";
import { callbacks } from "../routes/resources.ts";
import { Callback } from "../../schemas/callbacks.ts";

export const getCallback = callbacks.get({
  summary: "Get a callback",
  description: "Secret keys with callbacks:read. Another workspace's callback, or one of the other mode (live vs test), is a 404.",
  returns: "The callback",
  schema: Callback,
}, findCallback);
