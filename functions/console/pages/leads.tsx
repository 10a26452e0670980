import { callApi, query } from "../api.ts";
import { backTo, flash, formFields, idParam, type Section, takeFlash } from "../forms.ts";
import { Action, Page, Pager, refusal, Status, Time, zoneOf } from "../ui.tsx";
import { AttemptTimeline, CallbackTable } from "./callbacks.tsx";

// Leads: a search by phone, email or name (the API's phone, email and name filters; the box
// decides which from what was typed), and a lead's page with everything known about them.

/** Which filter a search means: an @ is an email, digits (with +, spaces, dashes, dots, brackets) a phone, else a name. */
export function searchFilter(text: string): Record<string, string> {
  if (!text) return {};
  if (text.includes("@")) return { email: text };
  if (/^\+?[\d\s().-]{5,}$/.test(text)) return { phone: text };
  return { name: text };
}

export const leadPages: Section = {
  get: {
    "/leads": async (c, vars, api) => {
      const q = c.req.query("q")?.trim() ?? "";
      const cursor = c.req.query("cursor");
      const answer = await callApi(c, api, "GET", `/v1/leads${query({ ...searchFilter(q), cursor, limit: 50 })}`);
      const zone = zoneOf(vars);
      return c.html(
        <Page title="Leads" vars={vars} section="/leads" flash={takeFlash(c) ?? (answer.ok ? null : { kind: "error", text: refusal(answer.body) })}>
          <form class="filters" method="get" action="/leads">
            <label>
              Phone, email or name
              <input type="search" name="q" value={q} placeholder="+14155550100, ann@example.com, Ann" />
            </label>
            <button type="submit">Search</button>
          </form>
          <div class="scroll">
            <table>
              <thead>
                <tr><th>Name</th><th>Phone</th><th class="hide-narrow">Email</th><th>Opted out</th><th class="hide-narrow">Created</th></tr>
              </thead>
              <tbody>
                {(answer.ok ? answer.body.data : []).map((lead: Lead) => (
                  <tr>
                    <td><a href={`/leads/${lead.id}`}>{lead.name ?? "(no name)"}</a></td>
                    <td class="mono">{lead.phone}</td>
                    <td class="hide-narrow">{lead.email ?? ""}</td>
                    <td>{lead.opted_out ? <Status value="opted out" /> : ""}</td>
                    <td class="hide-narrow"><Time at={lead.created_at} zone={zone} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {answer.ok && answer.body.data.length === 0 && <p class="muted">No leads{q ? ` match “${q}”` : " yet"}.</p>}
          <Pager next={answer.ok ? answer.body.next_cursor : null} base="/leads" params={{ q }} />
        </Page>,
      );
    },

    "/leads/:id": async (c, vars, api) => {
      const id = idParam(c);
      const lead = await callApi(c, api, "GET", `/v1/leads/${encodeURIComponent(id)}`);
      if (!lead.ok) {
        return c.html(<Page title="Lead" vars={vars} section="/leads" flash={{ kind: "error", text: refusal(lead.body) }}><p><a href="/leads">All leads</a></p></Page>, lead.status === 404 ? 404 : 200);
      }
      const [callbacks, responses, compliance] = await Promise.all([
        callApi(c, api, "GET", `/v1/callbacks${query({ lead_id: id, limit: 100 })}`),
        callApi(c, api, "GET", `/v1/form_responses${query({ lead_id: id, limit: 100 })}`),
        callApi(c, api, "GET", `/v1/leads/${encodeURIComponent(id)}/compliance`),
      ]);
      const callbackRows: { id: string }[] = callbacks.ok ? callbacks.body.data : [];
      const attempts = await Promise.all(callbackRows.map((cb) => callApi(c, api, "GET", `/v1/callbacks/${cb.id}/attempts`)));
      const l: Lead = lead.body;
      const zone = zoneOf(vars);
      return c.html(
        <Page title={l.name ?? l.phone} vars={vars} section="/leads" flash={takeFlash(c)}>
          <div class="card">
            <dl class="facts">
              <dt>Phone</dt><dd class="mono">{l.phone}</dd>
              <dt>Email</dt><dd>{l.email ?? "—"}</dd>
              <dt>Time zone</dt><dd>{l.timezone ?? "from the number"}</dd>
              <dt>Created</dt><dd><Time at={l.created_at} zone={zone} /></dd>
              <dt>Opted out</dt>
              <dd>
                {l.opted_out ? "Yes: never called" : "No"}{" "}
                <Action
                  vars={vars}
                  action={`/leads/${l.id}/opt-out`}
                  fields={{ opted_out: l.opted_out ? "false" : "true" }}
                  label={l.opted_out ? "Clear opt-out" : "Opt out"}
                  kind="secondary"
                  confirm={l.opted_out ? "Allow calls to this lead again?" : "Stop every call to this lead?"}
                />
              </dd>
            </dl>
          </div>
          <h2>Consent</h2>
          {compliance.ok ? <Consents consents={compliance.body.consents} dnc={compliance.body.dnc} zone={zone} /> : <p class="muted">{refusal(compliance.body)}</p>}
          <h2>Callbacks</h2>
          <CallbackTable rows={callbacks.ok ? callbacks.body.data : []} zone={zone} />
          <h2>Timeline</h2>
          <Timeline responses={responses.ok ? responses.body.data : []} attempts={attempts.flatMap((a) => (a.ok ? a.body.data : []))} callbacks={callbackRows as Callback[]} zone={zone} />
        </Page>,
      );
    },
  },
  post: {
    "/leads/:id/opt-out": async (c, _vars, api) => {
      const id = idParam(c);
      const { opted_out } = await formFields(c);
      const answer = await callApi(c, api, "PATCH", `/v1/leads/${encodeURIComponent(id)}`, { opted_out: opted_out === "true" });
      flash(c, answer.ok ? "notice" : "error", answer.ok ? (opted_out === "true" ? "Opted out: this lead will not be called." : "Opt-out cleared.") : refusal(answer.body));
      return c.redirect(backTo(c, `/leads/${id}`), 303);
    },
  },
};

type Lead = { id: string; name: string | null; phone: string; email: string | null; timezone: string | null; opted_out: boolean; created_at: string };
type Callback = { id: string; status: string; created_at: string; source: string };
type Consent = { id: string; text: string; version: string | null; checked: boolean; page_url: string | null; created_at: string };

function Consents(props: { consents: Consent[]; dnc: { listed: boolean; reason: string | null }; zone: string }) {
  return (
    <div class="card">
      {props.dnc.listed && <p><Status value="do-not-call" /> On the do-not-call list{props.dnc.reason ? `: ${props.dnc.reason}` : ""}.</p>}
      {props.consents.length === 0 && <p class="muted">No consent recorded.</p>}
      {props.consents.map((consent) => (
        <p>
          {consent.checked ? <Status value="consented" /> : <Status value="not ticked" />} <Time at={consent.created_at} zone={props.zone} />
          {consent.version ? ` (version ${consent.version})` : ""}: “{consent.text}”
        </p>
      ))}
    </div>
  );
}

type Attempt = { call_id: string; callback_id: string; attempt_number: number; leg: number; agent_phone: string; agent_status: string; lead_status: string | null; answered_by: string | null; outcome: string | null; recording_url: string | null; duration_seconds: number | null; created_at: string };

/** Form responses, callbacks and every leg of every attempt, newest first. */
function Timeline(props: { responses: { id: string; form_type: string | null; created_at: string; source_url: string | null }[]; callbacks: Callback[]; attempts: Attempt[]; zone: string }) {
  const items = [
    ...props.responses.map((r) => ({ at: r.created_at, node: <>Form response <span class="mono">{r.id}</span>{r.form_type ? ` (${r.form_type})` : ""}{r.source_url ? ` from ${r.source_url}` : ""}</> })),
    ...props.callbacks.map((cb) => ({ at: cb.created_at, node: <>Callback <a href={`/callbacks/${cb.id}`} class="mono">{cb.id}</a> requested ({cb.source}), now <Status value={cb.status} /></> })),
    ...props.attempts.map((a) => ({ at: a.created_at, node: <AttemptTimeline attempt={a} /> })),
  ].sort((a, b) => b.at.localeCompare(a.at));
  if (items.length === 0) return <p class="muted">Nothing yet.</p>;
  return (
    <ol class="timeline">
      {items.map((item) => (
        <li>
          <Time at={item.at} zone={props.zone} /> — {item.node}
        </li>
      ))}
    </ol>
  );
}
