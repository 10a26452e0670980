import { z } from "zod";

// The OpenAPI document is built from the same zod schemas that validate requests and parse
// responses, so it cannot drift from what the API does. Each route file describes itself here
// when it registers; the registry is static data, safe at module scope.
export type RouteDoc = {
  method: "get" | "post" | "patch" | "put" | "delete";
  path: string; // OpenAPI style: /v1/leads/{id}
  summary: string;
  description?: string;
  tags: string[];
  auth: "none" | "key";
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
};

/** A request Ringback sends (OpenAPI 3.1's top-level `webhooks`), e.g. one per event type. */
export type WebhookDoc = {
  name: string;
  summary: string;
  description?: string;
  headers: Record<string, string>; // name → description
  body: z.ZodType;
};

const routes: RouteDoc[] = [];
const webhooks: WebhookDoc[] = [];

export function describeRoute(doc: RouteDoc): void {
  routes.push(doc);
}

export function describeWebhook(doc: WebhookDoc): void {
  webhooks.push(doc);
}

// Every route that refuses requests reads the database (for the key, or Twilio's call attempt),
// so each can also answer 503 while it cannot be reached: documented here once, in the shape of
// the route's other refusals.
function withOutage(route: RouteDoc): RouteDoc["responses"] {
  const refusal = Object.entries(route.responses).find(([status, r]) => Number(status) >= 400 && r.schema)?.[1];
  if (!refusal || route.responses[503]) return route.responses;
  return { ...route.responses, 503: { ...refusal, description: "The database cannot be reached; Retry-After says when to retry" } };
}

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: "draft-2020-12", io: "output" });

export function openApiDocument(info: { title: string; version: string; description: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      description: route.description,
      tags: route.tags,
      security: route.auth === "key" ? [{ bearer: [] }, { apiKeyHeader: [] }] : [],
      responses: Object.fromEntries(
        Object.entries(withOutage(route)).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema && { content: { [r.contentType ?? "application/json"]: { schema: jsonSchema(r.schema) } } }),
          },
        ]),
      ),
    };
    if (route.query) {
      operation.parameters = Object.entries(route.query.shape).map(([name, schema]) => ({
        name,
        in: "query",
        required: !(schema as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(schema as z.ZodType),
      }));
    }
    if (route.body) {
      operation.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(route.body) } } };
    }
    (paths[route.path] ??= {})[route.method] = operation;
  }
  const outgoing = Object.fromEntries(
    webhooks.map((hook) => [
      hook.name,
      {
        post: {
          summary: hook.summary,
          description: hook.description,
          parameters: Object.entries(hook.headers).map(([name, description]) => ({ name, in: "header", required: true, description, schema: { type: "string" } })),
          requestBody: { required: true, content: { "application/json": { schema: jsonSchema(hook.body) } } },
          responses: { "2XX": { description: "Received. Anything else is retried (410 disables the endpoint)." } },
        },
      },
    ]),
  );
  return {
    openapi: "3.1.0",
    info,
    paths,
    webhooks: outgoing,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "rb_live_…, rb_test_… (or rb_pk_… where allowed)" },
        apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" },
      },
    },
  };
}
