import { verifyWebhook, type WebhookEvent, WebhookVerificationError } from "@ringback/sdk/webhooks";

// A receiver as a Fetch handler (Cloudflare Workers, Deno, Bun, Hono): the body is read raw,
// since JSON parsed and written again no longer matches the signature.
export default {
  async fetch(request: Request, env: { RINGBACK_WEBHOOK_SECRET: string }): Promise<Response> {
    let event: WebhookEvent;
    try {
      event = verifyWebhook(env.RINGBACK_WEBHOOK_SECRET, await request.text(), request.headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError) return new Response("Bad signature", { status: 401 });
      throw error;
    }
    // Retries and replays carry the same webhook-id: deduplicate on it. `event.event` narrows `data`.
    if (event.event === "callback.scheduled") console.log(event.data.id, "rings at", event.data.next_attempt_at);
    if (event.event === "call.completed") console.log(event.data.call_id, event.data.status, event.data.duration_seconds);
    return new Response(null, { status: 204 });
  },
};
