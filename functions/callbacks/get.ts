import { findCallback } from "../../db/queries/callbacks.ts";
import { native } from "../routes/kinds/native.ts";
import { found } from "../routes/resources.ts";
import { defineRoute, jsonResponse } from "../routes/route.ts";
import { Callback } from "../../schemas/callbacks.ts";
import { IdParam } from "../../schemas/common.ts";
import { isId } from "../../schemas/ids.ts";

export const getCallback = defineRoute(native, {
  method: "get",
  path: "/v1/callbacks/{id}",
  summary: "Get a callback",
  description: "Secret keys with callbacks:read. Another workspace's callback, or one of the other mode (live vs test), is a 404.",
  tags: ["callbacks"],
  request: { params: IdParam },
  responses: { 200: jsonResponse("The callback", Callback) },
  scope: "callbacks:read",
}, async (c) => {
  const { id } = c.req.valid("param");
  const callback = isId("callback", id) ? await findCallback(c.var.db, c.var.owner, id) : null;
  return c.json(Callback.parse(found(callback, `No callback ${id}`)), 200);
});
