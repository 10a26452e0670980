import type { App } from "../context.ts";
import { requireKey } from "../lib/auth.ts";
import { jsonBody, limitBody } from "../lib/body.ts";
import { browserCors } from "../lib/browser.ts";
import { dialect } from "../lib/dialect.ts";
import { ApiError } from "../lib/errors.ts";
import { idempotent } from "../lib/idempotency.ts";
import { describeRoute } from "../lib/openapi.ts";
import { rateLimit } from "../lib/ratelimit.ts";
import { validate } from "../lib/validate.ts";
import { insertCallLog } from "../../db/queries/call-logs.ts";
import { CallLogCreated, CallLogRequest, CallvineError } from "../../schemas/callvine.ts";
import { renderCallvine } from "./callvine-errors.ts";

// The seed's own URL, and the same endpoint under the API's versioned paths.
const paths = ["/webhook.php", "/v1/call_logs"];

export function registerCallLogs(app: App) {
  for (const path of paths) {
    describeRoute({
      method: "post",
      path,
      summary: "Create a call log (callvine.ai)",
      description:
        "Seed 001. Stores a record of a call that already happened; it creates no lead and schedules no callback. " +
        "Secret keys with the intake:write scope only (the seed says never to use the key client-side), in X-API-Key " +
        "or Authorization (Bearer, or the bare key). CORS is enabled. Checks run in this order, each answered with the " +
        "seed's body: method (405), declared body size (413), key (401, 403), rate limit (429), content type (415), " +
        "JSON (400), Idempotency-Key, then the fields (400: missing, wrong type or too long, unknown, start_time, " +
        "end_time, time range, recording URL). Phones are stored " +
        "as given. created_at is UTC. Counts against the workspace's hourly request limit (429). Idempotency-Key is " +
        "honoured. /webhook.php and /v1/call_logs are the same endpoint.",
      tags: ["intake"],
      auth: "key",
      body: CallLogRequest,
      responses: {
        201: { description: "Call log created", schema: CallLogCreated },
        400: { description: "Invalid request data: the first failing check, as the seed shows it", schema: CallvineError },
        401: { description: "Authentication required, or invalid API key", schema: CallvineError },
        403: { description: "A publishable key, or a key without intake:write", schema: CallvineError },
        405: { description: "Method not allowed (Allow: POST, OPTIONS)", schema: CallvineError },
        413: { description: "Body over 64 KB", schema: CallvineError },
        415: { description: "Content-Type is not application/json", schema: CallvineError },
        429: { description: "Rate limit exceeded; Retry-After says when to retry", schema: CallvineError },
        500: { description: "Database error", schema: CallvineError },
      },
    });

    app.use(path, dialect(renderCallvine), browserCors(["POST"]));
    app.post(
      path,
      limitBody(),
      requireKey({ sources: ["x-api-key", "authorization"], kinds: ["secret"], scope: "intake:write" }),
      rateLimit(),
      jsonBody(),
      idempotent(),
      validate("json", CallLogRequest),
      async (c) => {
        const log = c.req.valid("json");
        const { workspace, mode } = c.var.caller;
        const row = await insertCallLog(
          c.var.db,
          { workspaceId: workspace.id, mode },
          {
            fromPhone: log.from_phone,
            toPhone: log.to_phone,
            handledBy: log.handled_by,
            department: log.department ?? null,
            startTime: log.start_time,
            endTime: log.end_time,
            recordingUrl: log.recording_url,
            title: `Call from ${log.from_phone} to ${log.to_phone} (handled by ${log.handled_by})`,
          },
        );
        return c.json(
          CallLogCreated.parse({
            success: true,
            message: "Call log created successfully",
            data: {
              id: row.id,
              from_phone: row.fromPhone,
              to_phone: row.toPhone,
              handled_by: row.handledBy,
              department: row.department,
              start_time: row.startTime,
              end_time: row.endTime,
              recording_url: row.recordingUrl,
              title: row.title,
              created_at: row.createdAt,
            },
          }),
          201,
        );
      },
    );
    // Any other method (OPTIONS is answered by CORS above, HEAD by the GET route Hono gives it).
    app.all(path, () => {
      throw new ApiError("method_not_allowed", "This endpoint only accepts POST requests", { headers: { Allow: "POST, OPTIONS" } });
    });
  }
}
