import { createRingback } from "@ringback/sdk";

const ringback = createRingback({ baseUrl: "https://ringback.example.com", apiKey: String(process.env.RINGBACK_API_KEY) });

// A lead asked to be called back in an hour; calling hours are read in their own time zone.
const { data: callback, error } = await ringback.POST("/v1/callbacks", {
  params: { header: { "idempotency-key": "signup-8841" } },
  body: {
    phone: "+14155550123",
    name: "Ada Lovelace",
    domain_id: "dom_01JD6Y3Q8W2ZB7K4M9T5R1N0XC",
    scheduled_at: new Date(Date.now() + 60 * 60_000).toISOString(),
    timezone: "America/New_York",
    metadata: { signup_id: 8841 },
  },
});
// A refusal is not thrown: `error` is the problem+json body (status, code, every field at fault).
if (error) throw new Error(`Ringback answered ${error.status} ${error.code}: ${error.detail ?? error.title}`);
console.log(callback.id, callback.status, callback.next_attempt_at);

// Read it back later: the answer is typed as the Callback schema.
const { data: now } = await ringback.GET("/v1/callbacks/{id}", { params: { path: { id: callback.id } } });
console.log(now?.status, now?.attempt_count);
