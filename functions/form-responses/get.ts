import { getFormResponse as findFormResponse } from "../../db/queries/form-responses.ts";
import { formResponses } from "../routes/resources.ts";
import { StoredFormResponse } from "../../schemas/form-responses.ts";

export const getFormResponse = formResponses.get({
  summary: "Get a form response",
  description:
    "A stored CallMeBack form response, with its lead and the callback it scheduled. Secret keys with leads:read. " +
    "Another workspace's response, or one of the other mode (live vs test), is a 404.",
  returns: "The form response",
  schema: StoredFormResponse,
}, findFormResponse);
