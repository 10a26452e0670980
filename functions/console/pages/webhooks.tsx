import { callApi, query } from "../api.ts";
import { backTo, flash, formFields, idParam, type Section, takeFlash } from "../forms.ts";
import { Action, ChangeForm, Page, Pager, refusal, SecretOnce, Status, Time, zoneOf } from "../ui.tsx";

// Webhooks: endpoints (add, enable or disable, rotate the secret, send a test event), the
// deliveries with every attempt, and replays: of one delivery, or of everything failed since a time.

type Endpoint = { id: string; url: string; events: string[] | "*"; description: string | null; enabled: boolean; disabled_reason: string | null; failing_since: string | null };
type Attempt = { at: string; status_code: number | null; latency_ms: number; response_body: string | null; error: string | null };
type Delivery = { id: string; event_id: string; event: string; endpoint_id: string | null; agent_id: string | null; status: string; attempts: Attempt[]; next_attempt_at: string | null; created_at: string };

export const webhookPages: Section = {
  get: {
    "/webhooks": async (c, vars, api) => {
      const status = c.req.query("status") ?? "";
      const endpointId = c.req.query("endpoint_id") ?? "";
      const cursor = c.req.query("cursor");
      const [endpoints, deliveries] = await Promise.all([
        callApi(c, api, "GET", "/v1/webhook_endpoints?limit=100"),
        callApi(c, api, "GET", `/v1/webhook_deliveries${query({ status, endpoint_id: endpointId, cursor, limit: 50 })}`),
      ]);
      const zone = zoneOf(vars);
      const failed = [endpoints, deliveries].find((a) => !a.ok);
      const dayAgo = `${new Date(Date.now() - 86_400_000).toISOString().slice(0, 19)}Z`;
      return c.html(
        <Page title="Webhooks" vars={vars} section="/webhooks" flash={takeFlash(c) ?? (failed ? { kind: "error", text: refusal(failed.body) } : null)}>
          <h2>Endpoints</h2>
          <div class="scroll">
            <table>
              <thead><tr><th>URL</th><th>Events</th><th>State</th><th></th></tr></thead>
              <tbody>
                {(endpoints.ok ? endpoints.body.data : []).map((e: Endpoint) => (
                  <tr>
                    <td class="mono">{e.url}<div class="muted">{e.description ?? ""}</div></td>
                    <td>{e.events === "*" ? "all" : e.events.join(", ")}</td>
                    <td>
                      <Status value={e.enabled ? "active" : "disabled"} />
                      {e.disabled_reason && <div class="muted">{e.disabled_reason}</div>}
                      {e.failing_since && <div class="muted">failing since <Time at={e.failing_since} zone={zone} /></div>}
                    </td>
                    <td>
                      <Action vars={vars} action={`/webhooks/endpoints/${e.id}/enabled`} fields={{ enabled: e.enabled ? "false" : "true" }} label={e.enabled ? "Disable" : "Enable"} kind="secondary" />{" "}
                      <Action vars={vars} action={`/webhooks/endpoints/${e.id}/rotate`} label="Rotate secret" kind="secondary" confirm="Rotate the signing secret? The old one keeps working for 24 hours." />{" "}
                      <Action vars={vars} action={`/webhooks/endpoints/${e.id}/test`} label="Send test event" kind="secondary" />{" "}
                      <a href={`/webhooks?endpoint_id=${e.id}`}>Deliveries</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <details>
            <summary>Add an endpoint</summary>
            <ChangeForm vars={vars} action="/webhooks/endpoints" class="stack card">
              <label>URL (https)<input name="url" type="url" required /></label>
              <label>Events (comma-separated; empty for all)<input name="events" placeholder="callback.completed, call.connected" /></label>
              <label>Description<input name="description" /></label>
              <button type="submit">Add endpoint</button>
            </ChangeForm>
          </details>

          <h2>Deliveries</h2>
          <form class="filters" method="get" action="/webhooks">
            <label>
              Status
              <select name="status">
                <option value="">Any</option>
                {["pending", "succeeded", "failed"].map((s) => <option value={s} selected={s === status}>{s}</option>)}
              </select>
            </label>
            {endpointId && <input type="hidden" name="endpoint_id" value={endpointId} />}
            <button type="submit">Filter</button>
          </form>
          <DeliveryTable rows={deliveries.ok ? deliveries.body.data : []} zone={zone} />
          <Pager next={deliveries.ok ? deliveries.body.next_cursor : null} base="/webhooks" params={{ status, endpoint_id: endpointId }} />
          <h2>Replay failed deliveries</h2>
          <ChangeForm vars={vars} action="/webhooks/replay-failed" class="filters">
            <label>Failed since (UTC)<input name="since" value={dayAgo} required /></label>
            {endpointId && <input type="hidden" name="endpoint_id" value={endpointId} />}
            <button type="submit">Replay failed</button>
          </ChangeForm>
        </Page>,
      );
    },

    "/webhooks/deliveries/:id": async (c, vars, api) => {
      const id = idParam(c);
      const answer = await callApi(c, api, "GET", `/v1/webhook_deliveries/${encodeURIComponent(id)}`);
      if (!answer.ok) {
        return c.html(<Page title="Delivery" vars={vars} section="/webhooks" flash={{ kind: "error", text: refusal(answer.body) }}><p><a href="/webhooks">Webhooks</a></p></Page>, answer.status === 404 ? 404 : 200);
      }
      const d: Delivery = answer.body;
      const zone = zoneOf(vars);
      return c.html(
        <Page title={`Delivery of ${d.event}`} vars={vars} section="/webhooks" flash={takeFlash(c)}>
          <div id="delivery-live" data-live={d.status === "pending" ? "3000" : "off"}>
            <div class="card">
              <dl class="facts">
                <dt>Status</dt><dd><Status value={d.status} /></dd>
                <dt>Delivery</dt><dd class="mono">{d.id}</dd>
                <dt>Event</dt><dd class="mono">{d.event_id}</dd>
                <dt>To</dt><dd class="mono">{d.endpoint_id ?? `agent ${d.agent_id}`}</dd>
                <dt>Next attempt</dt><dd><Time at={d.next_attempt_at} zone={zone} /></dd>
              </dl>
            </div>
            <h2>Attempts</h2>
            {d.attempts.length === 0 && <p class="muted">Not tried yet.</p>}
            {d.attempts.map((a, i) => (
              <div class="card">
                <p>
                  <strong>#{i + 1}</strong> <Time at={a.at} zone={zone} /> — {a.status_code === null ? <Status value="no response" /> : <Status value={String(a.status_code)} />} in {a.latency_ms} ms
                  {a.error && <> — {a.error}</>}
                </p>
                {a.response_body && <pre>{a.response_body}</pre>}
              </div>
            ))}
          </div>
          <p><Action vars={vars} action={`/webhooks/deliveries/${d.id}/replay`} label="Replay this delivery" /></p>
        </Page>,
      );
    },
  },
  post: {
    "/webhooks/endpoints": async (c, vars, api) => {
      const f = await formFields(c);
      const events = f.events ? f.events.split(",").map((e) => e.trim()).filter(Boolean) : "*";
      const answer = await callApi(c, api, "POST", "/v1/webhook_endpoints", { url: f.url, events, ...(f.description && { description: f.description }) });
      if (answer.ok) return c.html(<SecretOnce vars={vars} section="/webhooks" title="Endpoint added" label={`Signing secret for ${answer.body.url}.`} secret={answer.body.secret} back="/webhooks" />);
      flash(c, "error", refusal(answer.body));
      return c.redirect("/webhooks", 303);
    },
    "/webhooks/endpoints/:id/enabled": async (c, _vars, api) => {
      const { enabled } = await formFields(c);
      const answer = await callApi(c, api, "PATCH", `/v1/webhook_endpoints/${encodeURIComponent(idParam(c))}`, { enabled: enabled === "true" });
      flash(c, answer.ok ? "notice" : "error", answer.ok ? (enabled === "true" ? "Endpoint enabled." : "Endpoint disabled.") : refusal(answer.body));
      return c.redirect(backTo(c, "/webhooks"), 303);
    },
    "/webhooks/endpoints/:id/rotate": async (c, vars, api) => {
      const answer = await callApi(c, api, "POST", `/v1/webhook_endpoints/${encodeURIComponent(idParam(c))}/rotate_secret`);
      if (answer.ok) return c.html(<SecretOnce vars={vars} section="/webhooks" title="Secret rotated" label="The new signing secret; the old one keeps signing for 24 hours." secret={answer.body.secret} back="/webhooks" />);
      flash(c, "error", refusal(answer.body));
      return c.redirect(backTo(c, "/webhooks"), 303);
    },
    "/webhooks/endpoints/:id/test": async (c, _vars, api) => {
      const answer = await callApi(c, api, "POST", `/v1/webhook_endpoints/${encodeURIComponent(idParam(c))}/test`);
      flash(c, answer.ok ? "notice" : "error", answer.ok ? `Test event sent: delivery ${answer.body.id}.` : refusal(answer.body));
      return c.redirect(answer.ok ? `/webhooks/deliveries/${answer.body.id}` : backTo(c, "/webhooks"), 303);
    },
    "/webhooks/deliveries/:id/replay": async (c, _vars, api) => {
      const id = idParam(c);
      const answer = await callApi(c, api, "POST", `/v1/webhook_deliveries/${encodeURIComponent(id)}/replay`);
      flash(c, answer.ok ? "notice" : "error", answer.ok ? "Delivery queued again." : refusal(answer.body));
      return c.redirect(`/webhooks/deliveries/${id}`, 303);
    },
    "/webhooks/replay-failed": async (c, _vars, api) => {
      const f = await formFields(c);
      const answer = await callApi(c, api, "POST", "/v1/webhook_deliveries/replay", { since: f.since, ...(f.endpoint_id && { endpoint_id: f.endpoint_id }) });
      const count = answer.ok ? answer.body.deliveries.length : 0;
      flash(c, answer.ok ? "notice" : "error", answer.ok ? `${count} failed ${count === 1 ? "delivery" : "deliveries"} queued again${answer.body.more ? "; more are left, replay again for the next ones" : ""}.` : refusal(answer.body));
      return c.redirect(backTo(c, "/webhooks"), 303);
    },
  },
};

function DeliveryTable(props: { rows: Delivery[]; zone: string }) {
  if (props.rows.length === 0) return <p class="muted">No deliveries.</p>;
  return (
    <div class="scroll">
      <table>
        <thead><tr><th>Event</th><th>Status</th><th>Last answer</th><th class="hide-narrow">Created</th></tr></thead>
        <tbody>
          {props.rows.map((d) => {
            const last = d.attempts.at(-1);
            return (
              <tr>
                <td><a href={`/webhooks/deliveries/${d.id}`}>{d.event}</a></td>
                <td><Status value={d.status} /></td>
                <td>{last ? (last.status_code ?? last.error ?? "no response") : "—"}</td>
                <td class="hide-narrow"><Time at={d.created_at} zone={props.zone} /></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
