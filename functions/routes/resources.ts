import { ApiError } from "../lib/errors.ts";
import { decodeCursor } from "../../schemas/common.ts";
import type { IdKind } from "../../schemas/ids.ts";

// What the native API's resource routes (callbacks, leads, DNC, webhooks, events) share: the
// 404 for what the caller cannot see, the cursor of a page, and the words a list is documented in.

/**
 * What a lookup found, or a 404 with `message`. Lookups are scoped to the caller's workspace and
 * mode, so another workspace's row, or one of the other mode, is not found either.
 */
export function found<Row>(row: Row | null | undefined, message: string): Row {
  if (!row) throw new ApiError("not_found", message);
  return row;
}

/**
 * The id a list's cursor points after, for the lists whose query keeps the cursor as sent
 * (pageQuery): the query schema has already refused a cursor that does not decode.
 */
export function cursorAfter(kind: IdKind, cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : (decodeCursor(kind, cursor) ?? undefined);
}

/** How a filtered list (callbacks, leads) pages and answers a query it cannot take. */
export const filteredListDescription =
  "Newest first, in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the next page. " +
  "Filters combine with AND. An unknown parameter or a bad value is a 422 listing every bad parameter.";
