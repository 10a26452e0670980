// The requests bench/cpu/profile.ts measures: intake on each seed API, and GET /health.
export type CpuCase = { name: string; request: () => Request; expected: number };

type Setup = { key: string; agentKey: string; agentId: string; domainId: string; widgetKey: string };

export function cases(s: Setup): CpuCase[] {
  let n = 0;
  const phone = () => `+1415555${String(1000 + (n++ % 9000)).padStart(4, "0")}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}, key = s.key) => () =>
    new Request(`http://ringback.local${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify(body),
    });
  return [
    { name: "CallMeBack POST /api/v1/form_responses", request: () => post("/api/v1/form_responses", { form_response: { domain_id: s.domainId, form_data: { name: "CPU", phone: phone(), message: `m${n}` } } })(), expected: 201 },
    {
      name: "… with a new Idempotency-Key",
      request: () => post("/api/v1/form_responses", { form_response: { domain_id: s.domainId, form_data: { name: "CPU", phone: phone(), message: `m${n}` } } }, { "Idempotency-Key": crypto.randomUUID() })(),
      expected: 201,
    },
    {
      name: "callvine POST /webhook.php",
      request: () => post("/webhook.php", { from_phone: phone().slice(2), to_phone: "8006000009", handled_by: "Agent Smith", start_time: "2024-01-15 09:00:00", end_time: "2024-01-15 09:15:00", recording_url: "https://example.com/recordings/call123.wav" })(),
      expected: 201,
    },
    { name: "Calldock POST /v1/make-call", request: () => post("/v1/make-call", { phone: phone() }, { "X-Agent-ID": s.agentId }, s.agentKey)(), expected: 200 },
    { name: "Brightcall POST /rest/v1/ext/add_call_api/", request: () => post("/rest/v1/ext/add_call_api/", { widget_key: s.widgetKey, lc_number: phone() })(), expected: 201 },
    { name: "LimeCall POST /v1/callbacks", request: () => post("/v1/callbacks", { phone: phone() })(), expected: 201 },
    { name: "GET /health", request: () => new Request("http://ringback.local/health"), expected: 200 },
  ];
}
