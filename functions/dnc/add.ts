import { addDncNumber as addStoredNumber } from "../../db/queries/dnc.ts";
import { ApiError } from "../lib/errors.ts";
import { native } from "../routes/kinds/native.ts";
import { dnc } from "../routes/resources.ts";
import { defineRoute, jsonBody, jsonResponse } from "../routes/route.ts";
import { AddDncEntry, DncEntry, dncPhoneOf, phoneMessage } from "../../schemas/dnc.ts";

export const addDncNumber = defineRoute(native, {
  ...dnc.all("post", jsonBody(AddDncEntry)),
  summary: "Add a number to the do-not-call list",
  description:
    "Puts the phone, normalised to E.164, on the workspace's do-not-call list for the key's mode: the dialler " +
    "checks it before every call. A national number needs country; without it the phone must be international. " +
    "Adding a number already on the list is not an error: 200 (not 201) with the entry as it is, its reason and " +
    "created_at unchanged. Secret keys with dnc:write. Idempotency-Key is honoured.",
  responses: {
    201: jsonResponse("Added", DncEntry),
    200: jsonResponse("Already on the list; the entry unchanged", DncEntry),
  },
}, async (c) => {
  const body = c.req.valid("json");
  const phone = dncPhoneOf(body);
  // The schema has refused a phone that does not normalise, with the body's other issues.
  if (phone === null) throw new ApiError("validation_failed", "The request json is not valid", { issues: [{ path: "phone", message: phoneMessage }] });
  const { entry, created } = await addStoredNumber(c.var.db, c.var.owner, phone, body.reason ?? null);
  return created ? c.json(DncEntry.parse(entry), 201) : c.json(DncEntry.parse(entry), 200);
});
