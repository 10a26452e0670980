import { verifyWebhook, WebhookVerificationError } from "@ringback/sdk/webhooks";

// A receiver as a Fetch handler (Cloudflare Workers, Deno, Bun, Hono): the body is read raw,
// since JSON parsed and written again no longer matches the signature.
export default {
  async fetch(request: Request, env: { RINGBACK_WEBHOOK_SECRET: string }): Promise<Response> {
    const body = await request.text();
    let event: ReturnType<typeof verifyWebhook>;
    try {
      event = verifyWebhook(env.RINGBACK_WEBHOOK_SECRET, body, request.headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError) return new Response("Bad signature", { status: 401 });
      throw error;
    }
    // Retries and replays carry the same webhook-id: deduplicate on it.
    if (event.event === "callback.scheduled") console.log("callback", event.data.id, "rings at", event.data.next_attempt_at);
    if (event.event === "call.completed") console.log("call ended", event.data);
    return new Response(null, { status: 204 });
  },
};
