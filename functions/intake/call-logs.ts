import { insertCallLog } from "../../db/queries/call-logs.ts";
import { callvine } from "../routes/kinds/callvine.ts";
import { defineRoute, jsonBody, jsonResponse, type Route } from "../routes/route.ts";
import { CallLogCreated, CallLogRequest } from "../../schemas/callvine.ts";

// The seed's own URL, and the same endpoint under the API's versioned paths: two documented
// operations, one handler.
function callLogs(path: string): Route {
  return defineRoute(callvine, {
    method: "post",
    path,
    summary: "Create a call log (callvine.ai)",
    description:
      "Seed 001. Stores a record of a call that already happened; it creates no lead and schedules no callback. " +
      "Secret keys with the intake:write scope only (the seed says never to use the key client-side), in X-API-Key " +
      "or Authorization (Bearer, or the bare key). CORS is enabled. Checks run in this order, each answered with the " +
      "seed's body: method (405), declared body size (413), key (401, 403), rate limit (429), content type (415), " +
      "JSON (400), Idempotency-Key, then the fields (400: missing, wrong type or too long, unknown, start_time, " +
      "end_time, time range, recording URL). Phones are stored as given. created_at is UTC. Counts against the " +
      "workspace's hourly request limit (429). Idempotency-Key is honoured. /webhook.php and /v1/call_logs are the " +
      "same endpoint.",
    tags: ["intake"],
    request: { body: jsonBody(CallLogRequest) },
    responses: { 201: jsonResponse("Call log created", CallLogCreated) },
    scope: "intake:write",
  }, async (c) => {
    const log = c.req.valid("json");
    const row = await insertCallLog(
      c.var.db,
      c.var.owner,
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
  });
}

export const webhookPhp = callLogs("/webhook.php");
export const callLogsV1 = callLogs("/v1/call_logs");
