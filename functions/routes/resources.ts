import type { z } from "zod";
import type { Db } from "../../db/client.ts";
import { ApiError } from "../lib/errors.ts";
import { IdParam, pageBy } from "../../schemas/common.ts";
import { type IdKind, isId } from "../../schemas/ids.ts";
import type { Owner, Scope } from "../../schemas/scopes.ts";
import { native } from "./kinds/native.ts";
import { defineRoute, jsonResponse, type Route } from "./route.ts";

// The native API's resources (callbacks, leads, events, webhook endpoints and deliveries, the
// DNC list) are read and acted on the same way: a path, a tag, GETs under the read scope and
// changes under the write scope, an id of one kind, a 404 for what the caller's workspace and
// mode do not hold, and newest-first pages. A resource says these once; its routes take them
// from it, so two resources cannot answer a missing row or a page differently.

type Method = "get" | "post" | "patch" | "delete";
type Doc = { summary: string; description?: string; errors?: Record<number, string> };
type View<Row> = (row: Row) => unknown;
type Body = { required: boolean; content: object };
type Lookup<Row> = (db: Db, owner: Owner, id: string) => Promise<Row | null | undefined>;

/**
 * `path` is the collection's (/v1/callbacks); `noun` names one row in a 404 ("No callback cb_…").
 * Rows of `id`'s kind are looked up only by ids of that kind: another id cannot name one. A
 * resource without ids (the DNC list, keyed by phone) has no routes on one row.
 */
export function resource(spec: { path: string; tag: string; id?: IdKind; noun: string; read: Scope; write: Scope }) {
  const scopeOf = (method: Method) => (method === "get" ? spec.read : spec.write);
  const notFound = (id: string) => new ApiError("not_found", `No ${spec.noun} ${id}`);

  return {
    path: spec.path,

    /** What a route on the whole collection shares: POST /v1/callbacks and its body. */
    all<const M extends Method, const B extends Body = never>(method: M, body?: B) {
      return { method, path: spec.path, tags: [spec.tag], request: withBody({}, body), scope: scopeOf(method) };
    },

    /** What a route on one row shares: PATCH /v1/leads/{id}, POST /v1/callbacks/{id}/cancel. */
    one<const M extends Method, const B extends Body = never>(method: M, options: { action?: string; body?: B } = {}) {
      const path = options.action ? `${spec.path}/{id}/${options.action}` : `${spec.path}/{id}`;
      return { method, path, tags: [spec.tag], request: withBody({ params: IdParam }, options.body), scope: scopeOf(method) };
    },

    /** The row `lookup` finds in the caller's workspace and mode, or a 404 naming the id. */
    async find<Row>(db: Db, owner: Owner, id: string, lookup: Lookup<Row>): Promise<Row> {
      const row = spec.id && isId(spec.id, id) ? await lookup(db, owner, id) : null;
      if (!row) throw notFound(id);
      return row;
    },

    notFound,

    /**
     * GET {path}/{id}, or a view of the row at {path}/{id}/{action}: what `lookup` finds, as
     * `schema` shows it (toJson turns the row into that, and may wait on more to do it).
     */
    get<Row>(doc: Doc & { action?: string; returns: string; schema: z.ZodType }, lookup: Lookup<Row>, toJson: View<Row> = (row) => row): Route {
      const { action, returns, schema, ...text } = doc;
      return defineRoute(native, {
        ...this.one("get", { action }),
        ...text,
        responses: { 200: jsonResponse(returns, schema) },
        errors: { 404: `No such ${spec.noun} in this workspace and mode`, ...text.errors },
      }, async (c) => {
        const { id } = c.req.valid("param");
        const row = await this.find(c.var.db, c.var.owner, id, lookup);
        return c.json(schema.parse(await toJson(row)), 200);
      });
    },

    /**
     * GET {path}: a page of what `select` reads (limit + 1 rows, newest first, after the
     * cursor), each item as toJson shows it; the next cursor is made from the last item's id,
     * or cursorOf where a list pages by another field (the DNC list, by phone).
     */
    list<Q extends z.ZodObject & z.ZodType<{ limit: number }>, Row, Item extends object>(
      doc: Doc & { returns: string; query: Q; schema: z.ZodType },
      select: (db: Db, owner: Owner, query: z.output<Q>) => Promise<Row[]>,
      toJson: (row: Row) => Item,
      cursorOf: (item: Item) => string = (item) => (item as { id: string }).id,
    ): Route {
      const { returns, schema, query, ...text } = doc;
      return defineRoute(native, {
        ...this.all("get"),
        ...text,
        request: { query },
        responses: { 200: jsonResponse(returns, schema) },
      }, async (c) => {
        // Q is generic here, so Hono cannot name the validated query's type; the schema has parsed it.
        const q = c.req.valid("query" as never) as z.output<Q>;
        const rows = await select(c.var.db, c.var.owner, q);
        return c.json(schema.parse(pageBy(rows.map(toJson), q.limit, cursorOf)), 200);
      });
    },
  };
}

export const callbacks = resource({ path: "/v1/callbacks", tag: "callbacks", id: "callback", noun: "callback", read: "callbacks:read", write: "callbacks:write" });
export const leads = resource({ path: "/v1/leads", tag: "leads", id: "lead", noun: "lead", read: "leads:read", write: "leads:write" });
// Replaying an event sends webhooks, so it is a webhooks:write.
export const events = resource({ path: "/v1/events", tag: "events", id: "event", noun: "event", read: "events:read", write: "webhooks:write" });
export const webhookEndpoints = resource({
  path: "/v1/webhook_endpoints",
  tag: "webhooks",
  id: "webhookEndpoint",
  noun: "webhook endpoint",
  read: "webhooks:read",
  write: "webhooks:write",
});
export const webhookDeliveries = resource({
  path: "/v1/webhook_deliveries",
  tag: "webhooks",
  id: "webhookDelivery",
  noun: "webhook delivery",
  read: "webhooks:read",
  write: "webhooks:write",
});

export const dnc = resource({ path: "/v1/dnc", tag: "dnc", noun: "number", read: "dnc:read", write: "dnc:write" });

// The request's typed parts, with `body` only where the route takes one.
function withBody<P extends object, B extends Body>(request: P, body: B | undefined) {
  return (body === undefined ? request : { ...request, body }) as P & ([B] extends [never] ? unknown : { body: B });
}

/** How a filtered list (callbacks, leads) pages and answers a query it cannot take. */
export const filteredListDescription =
  "Newest first, in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the next page. " +
  "Filters combine with AND. An unknown parameter or a bad value is a 422 listing every bad parameter.";
