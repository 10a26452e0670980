import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../context.ts";
import type { Db } from "../../db/client.ts";
import { ApiError } from "../lib/errors.ts";
import { IdParam, pageBy } from "../../schemas/common.ts";
import { isCallLogId } from "../../schemas/call-logs.ts";
import { type IdKind, isId } from "../../schemas/ids.ts";
import type { Owner, Scope } from "../../schemas/scopes.ts";
import { native } from "./kinds/native.ts";
import { defineRoute, jsonResponse, type Route, type RouteOptions } from "./route.ts";

// The native API's resources (callbacks, leads, events, webhook endpoints and deliveries, the
// DNC list) are read and acted on the same way: a path, a tag, GETs under the read scope and
// changes under the write scope, an id of one kind, a 404 for what the caller's workspace and
// mode do not hold, and pages cut one way. A resource says these once; its routes take them
// from it, so two resources cannot answer a missing row or a page differently.

type Method = "get" | "post" | "patch" | "delete";
type Doc = { summary: string; description?: string; errors?: Record<number, string> };
type View<Row> = (row: Row) => unknown;
type Body = { required: boolean; content: object };
type Lookup<Row> = (db: Db, owner: Owner, id: string) => Promise<Row | null | undefined>;

/**
 * `path` is the collection's (/v1/callbacks); `noun` names one row in a 404 ("No callback cb_…").
 * Rows of `id`'s kind are looked up only by ids of that kind: another id cannot name one. A
 * resource whose ids are not prefixed ids (callvine's integer call logs) gives the test an id
 * must pass instead. A resource without ids (the DNC list, keyed by phone) has no routes on one row.
 */
export function resource(spec: { path: string; tag: string; id?: IdKind | ((id: string) => boolean); noun: string; read: Scope; write: Scope }) {
  const scopeOf = (method: Method) => (method === "get" ? spec.read : spec.write);
  const notFound = (id: string) => new ApiError("not_found", `No ${spec.noun} ${id}`);
  const missing = `No such ${spec.noun} in this workspace and mode`;
  const { id: kind } = spec;
  const isOwnId = (id: string) => (typeof kind === "function" ? kind(id) : kind !== undefined && isId(kind, id));

  /** What a route on the whole collection shares: POST /v1/callbacks and its body. */
  const all = <const M extends Method, const B extends Body = never>(method: M, body?: B) => ({
    method,
    path: spec.path,
    tags: [spec.tag],
    request: withBody({}, body),
    scope: scopeOf(method),
  });

  /** What a route on one row shares, and its 404 beside the route's own refusals (`errors`). */
  const one = <const M extends Method, const B extends Body = never>(method: M, options: { action?: string; body?: B; errors?: Record<number, string> } = {}) => ({
    method,
    path: options.action ? `${spec.path}/{id}/${options.action}` : `${spec.path}/{id}`,
    tags: [spec.tag],
    request: withBody({ params: IdParam }, options.body),
    scope: scopeOf(method),
    errors: { 404: missing, ...options.errors },
  });

  return {
    path: spec.path,

    all,

    /**
     * A route on one row that is not a plain read: PATCH /v1/leads/{id}, POST
     * /v1/callbacks/{id}/cancel. The handler is given the row's id, already known to be of the
     * resource's kind, so no route can send another to the database; the route's 404 is
     * documented beside its own refusals (`errors`).
     */
    member<const S extends MemberSpec>(route: S, handler: MemberHandler<S>): Route {
      const { method, action, body, errors, ...doc } = route;
      const config: RouteConfig & RouteOptions = { ...one(method, { action, body, errors }), ...doc };
      // The handler's context is typed by this spec (MemberHandler), which TypeScript cannot
      // follow through the spread above; it is the same route's context.
      const typed = handler as unknown as (c: Parameters<RouteHandler<RouteConfig, AppEnv>>[0], id: string) => ReturnType<RouteHandler<RouteConfig, AppEnv>>;
      return defineRoute(native, config, (c) => {
        // The path has {id}, which IdParam has checked.
        const id = c.req.param("id") ?? "";
        this.assertId(id);
        return typed(c, id);
      });
    },

    /** Refuses, as not found, an id that is not of the resource's kind: no row can have it. */
    assertId(id: string): void {
      if (!isOwnId(id)) throw notFound(id);
    },

    /** The row `lookup` finds in the caller's workspace and mode, or a 404 naming the id. */
    async find<Row>(db: Db, owner: Owner, id: string, lookup: Lookup<Row>): Promise<Row> {
      this.assertId(id);
      const row = await lookup(db, owner, id);
      if (!row) throw notFound(id);
      return row;
    },

    notFound,

    /**
     * GET {path}/{id}, or a view of the row at {path}/{id}/{action}: what `lookup` finds, as
     * `schema` shows it (toJson turns the row into that, and may wait on more to do it).
     */
    get<Row>(doc: Doc & { action?: string; returns: string; schema: z.ZodType }, lookup: Lookup<Row>, toJson: View<Row> = (row) => row): Route {
      const { action, returns, schema, errors, ...text } = doc;
      return defineRoute(native, {
        ...one("get", { action, errors }),
        ...text,
        responses: { 200: jsonResponse(returns, schema) },
      }, async (c) => {
        const { id } = c.req.valid("param");
        const row = await this.find(c.var.db, c.var.owner, id, lookup);
        return c.json(schema.parse(await toJson(row)), 200);
      });
    },

    // The query's type is the route's own, so Hono cannot name it here: the schema has parsed
    // it, and ListRoute's signatures type each list's select, toJson and cursorOf by it.
    list: ((
      doc: ListDoc<Query>,
      select: Select<Query, unknown>,
      toJson: (row: unknown) => object,
      cursorOf = (item: object) => (item as { id: string }).id,
    ): Route => {
      const { returns, schema, query, ...text } = doc;
      return defineRoute(native, {
        ...all("get"),
        ...text,
        request: { query },
        responses: { 200: jsonResponse(returns, schema) },
      }, async (c) => {
        const q = c.req.valid("query" as never) as { limit: number };
        const rows = await select(c.var.db, c.var.owner, q);
        return c.json(schema.parse(pageBy(rows.map(toJson), q.limit, cursorOf)), 200);
      });
    }) as ListRoute,
  };
}

type MemberSpec = Doc & { method: Method; action?: string; body?: Body; responses: RouteConfig["responses"] };
type MemberConfig<S extends MemberSpec> = {
  method: S["method"];
  path: string;
  request: { params: typeof IdParam } & (S["body"] extends Body ? { body: S["body"] } : unknown);
  responses: S["responses"];
};
type MemberHandler<S extends MemberSpec> = (
  c: Parameters<RouteHandler<MemberConfig<S>, AppEnv>>[0],
  id: string,
) => ReturnType<RouteHandler<MemberConfig<S>, AppEnv>>;

type Query = z.ZodObject & z.ZodType<{ limit: number }>;
type ListDoc<Q extends Query> = Doc & { returns: string; query: Q; schema: z.ZodType };
type Select<Q extends Query, Row> = (db: Db, owner: Owner, query: z.output<Q>) => Promise<Row[]>;

/**
 * GET {path}: a page of what `select` reads (limit + 1 rows, in the list's order, after the
 * cursor), each item as toJson shows it; the next cursor is made from the last item's id, or by
 * cursorOf where a list pages by another field (the DNC list, by phone), which a list of items
 * without an id must give.
 */
type ListRoute = {
  <Q extends Query, Row, Item extends { id: string }>(doc: ListDoc<Q>, select: Select<Q, Row>, toJson: (row: Row) => Item): Route;
  <Q extends Query, Row, Item extends object>(doc: ListDoc<Q>, select: Select<Q, Row>, toJson: (row: Row) => Item, cursorOf: (item: Item) => string): Route;
};

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

export const formResponses = resource({
  path: "/v1/form_responses",
  tag: "form_responses",
  id: "formResponse",
  noun: "form response",
  read: "leads:read",
  write: "leads:write",
});
// callvine's call logs keep the seed's integer ids; there is nothing to write on them here
// (POST /v1/call_logs is the seed's intake, of its own kind).
export const callLogs = resource({ path: "/v1/call_logs", tag: "call_logs", id: isCallLogId, noun: "call log", read: "callbacks:read", write: "callbacks:write" });

export const dnc = resource({ path: "/v1/dnc", tag: "dnc", noun: "number", read: "dnc:read", write: "dnc:write" });

// management: agents, domains, keys
export const agents = resource({ path: "/v1/agents", tag: "agents", id: "agent", noun: "agent", read: "agents:read", write: "agents:write" });
export const domains = resource({ path: "/v1/domains", tag: "domains", id: "domain", noun: "domain", read: "domains:read", write: "domains:write" });
export const apiKeys = resource({ path: "/v1/keys", tag: "keys", id: "apiKey", noun: "key", read: "keys:read", write: "keys:write" });
export const links = resource({ path: "/v1/links", tag: "links", id: "link", noun: "link", read: "links:read", write: "links:write" });

// The request's typed parts, with `body` only where the route takes one.
function withBody<P extends object, B extends Body>(request: P, body: B | undefined) {
  return (body === undefined ? request : { ...request, body }) as P & ([B] extends [never] ? unknown : { body: B });
}

/** How a filtered list (callbacks, leads) pages and answers a query it cannot take. */
export const filteredListDescription =
  "Newest first, in pages of `limit` (1 to 100, default 25); pass next_cursor as cursor for the next page. " +
  "Filters combine with AND. An unknown parameter or a bad value is a 422 listing every bad parameter.";
