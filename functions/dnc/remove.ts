import { removeDncNumber as removeStoredNumber } from "../../db/queries/dnc.ts";
import { ApiError } from "../lib/errors.ts";
import { native } from "../routes/kinds/native.ts";
import { defineRoute } from "../routes/route.ts";
import { DncPhoneParam, phoneOfParam } from "../../schemas/dnc.ts";

export const removeDncNumber = defineRoute(native, {
  method: "delete",
  path: "/v1/dnc/{phone}",
  summary: "Remove a number from the do-not-call list",
  description:
    "The phone is the entry's E.164 number, with its + percent-encoded (/v1/dnc/%2B14155550100) or left out " +
    "(/v1/dnc/14155550100); digits only, no spaces or national form (422). 204 when removed; 404 when the number " +
    "is not on the list in this workspace and mode, so a repeated DELETE is a 404. Secret keys with dnc:write.",
  tags: ["dnc"],
  request: { params: DncPhoneParam },
  responses: { 204: { description: "Removed" } },
  scope: "dnc:write",
  errors: { 404: "Not on the list in this workspace and mode", 422: "The path is not an E.164 number" },
}, async (c) => {
  const { phone: param } = c.req.valid("param");
  // toE164 canonicalises (+4402… is +442…) as the add did; a number it refuses was never added.
  const phone = phoneOfParam(param);
  if (!phone || !(await removeStoredNumber(c.var.db, c.var.owner, phone))) {
    throw new ApiError("not_found", `${phone ?? `+${param.replace(/^\+/, "")}`} is not on the do-not-call list`);
  }
  return c.body(null, 204);
});
