import { CallbackStatus } from "../../../schemas/callbacks.ts";
import { callApi, query } from "../api.ts";
import { backTo, flash, formFields, idParam, type Section, takeFlash } from "../forms.ts";
import { Action, ChangeForm, Page, Pager, refusal, Status, Time, zoneOf } from "../ui.tsx";

// Callbacks: a list filtered by status, a form to schedule one, and a callback's page: why it
// is held and until when, every attempt, and cancel. While it can still change (waiting or in a
// call) the page refreshes its live part every 3 seconds.

const holdWords: Record<string, string> = {
  calling_hours: "outside the lawful calling hours in the lead's zone",
  business_hours: "the domain is closed",
  daily_cap: "the cap on calls to this lead is reached",
  state_ban: "a day on which the law allows no calls",
  empty_window: "the lead's possible zones share no open hour",
  no_agent_available: "no agent may take it now",
};
const liveStatuses = ["scheduled", "retry_scheduled", "dialing", "connected"];

export const callbackPages: Section = {
  get: {
    "/callbacks": async (c, vars, api) => {
      const status = c.req.query("status") ?? "";
      const cursor = c.req.query("cursor");
      const answer = await callApi(c, api, "GET", `/v1/callbacks${query({ status, cursor, limit: 50 })}`);
      const domains = await callApi(c, api, "GET", "/v1/domains?limit=100");
      return c.html(
        <Page title="Callbacks" vars={vars} section="/callbacks" flash={takeFlash(c) ?? (answer.ok ? null : { kind: "error", text: refusal(answer.body) })}>
          <form class="filters" method="get" action="/callbacks">
            <label>
              Status
              <select name="status">
                <option value="">Any</option>
                {CallbackStatus.options.map((s) => (
                  <option value={s} selected={s === status}>{s}</option>
                ))}
              </select>
            </label>
            <button type="submit">Filter</button>
          </form>
          <CallbackTable rows={answer.ok ? answer.body.data : []} zone={zoneOf(vars)} />
          <Pager next={answer.ok ? answer.body.next_cursor : null} base="/callbacks" params={{ status }} />
          <h2>Schedule a callback</h2>
          <ChangeForm vars={vars} action="/callbacks" class="stack card">
            <label>Phone (international, e.g. +14155550100)<input name="phone" required /></label>
            <label>Name<input name="name" /></label>
            <label>
              Domain
              <select name="domain_id">
                <option value="">None</option>
                {(domains.ok ? domains.body.data : []).map((d: { id: string; name: string }) => (
                  <option value={d.id}>{d.name}</option>
                ))}
              </select>
            </label>
            <label>When (leave empty for now; an ISO time with offset, e.g. 2026-12-02T10:00:00+01:00)<input name="scheduled_at" /></label>
            <label>The lead's time zone (IANA, optional)<input name="timezone" placeholder="America/New_York" /></label>
            <button type="submit">Schedule</button>
          </ChangeForm>
        </Page>,
      );
    },

    "/callbacks/:id": async (c, vars, api) => {
      const id = idParam(c);
      const [callback, attempts] = await Promise.all([
        callApi(c, api, "GET", `/v1/callbacks/${encodeURIComponent(id)}`),
        callApi(c, api, "GET", `/v1/callbacks/${encodeURIComponent(id)}/attempts`),
      ]);
      if (!callback.ok) {
        return c.html(<Page title="Callback" vars={vars} section="/callbacks" flash={{ kind: "error", text: refusal(callback.body) }}><p><a href="/callbacks">All callbacks</a></p></Page>, callback.status === 404 ? 404 : 200);
      }
      const cb: Callback = callback.body;
      const zone = zoneOf(vars);
      const live = liveStatuses.includes(cb.status);
      return c.html(
        <Page title={`Callback to ${cb.name ?? cb.phone}`} vars={vars} section="/callbacks" flash={takeFlash(c)}>
          <div id="callback-live" data-live={live ? "3000" : "off"}>
            <div class="card">
              <dl class="facts">
                <dt>Status</dt><dd><Status value={cb.status} />{cb.ended_reason ? ` (${cb.ended_reason})` : ""}</dd>
                <dt>Lead</dt><dd><a href={`/leads/${cb.lead_id}`}>{cb.name ?? cb.phone}</a> <span class="mono">{cb.phone}</span></dd>
                <dt>Asked for</dt><dd><Time at={cb.scheduled_at} zone={zone} /></dd>
                <dt>Next attempt</dt><dd><Time at={cb.next_attempt_at} zone={zone} /></dd>
                <dt>Attempts</dt><dd>{cb.attempt_count} of {cb.retry.max_attempts}</dd>
                <dt>Source</dt><dd>{cb.source}</dd>
              </dl>
            </div>
            {cb.hold && <HoldCard hold={cb.hold} zone={zone} />}
            <h2>Attempts</h2>
            {attempts.ok && attempts.body.data.length > 0 ? (
              <ol class="timeline">
                {attempts.body.data.map((a: Attempt) => (
                  <li><Time at={a.created_at} zone={zone} /> — <AttemptTimeline attempt={a} /></li>
                ))}
              </ol>
            ) : (
              <p class="muted">No attempts yet.</p>
            )}
          </div>
          {live && (
            <p>
              <Action vars={vars} action={`/callbacks/${cb.id}/cancel`} label="Cancel this callback" kind="danger" confirm="Cancel this callback? A call in progress is hung up." />
            </p>
          )}
        </Page>,
      );
    },
  },
  post: {
    "/callbacks": async (c, _vars, api) => {
      const f = await formFields(c);
      const body = Object.fromEntries(Object.entries({ phone: f.phone, name: f.name, domain_id: f.domain_id, scheduled_at: f.scheduled_at, timezone: f.timezone }).filter(([, v]) => v));
      const answer = await callApi(c, api, "POST", "/v1/callbacks", body);
      if (!answer.ok) {
        flash(c, "error", refusal(answer.body));
        return c.redirect("/callbacks", 303);
      }
      flash(c, "notice", "Callback scheduled.");
      return c.redirect(`/callbacks/${answer.body.id}`, 303);
    },
    "/callbacks/:id/cancel": async (c, _vars, api) => {
      const id = idParam(c);
      const answer = await callApi(c, api, "POST", `/v1/callbacks/${encodeURIComponent(id)}/cancel`);
      flash(c, answer.ok ? "notice" : "error", answer.ok ? "Callback canceled." : refusal(answer.body));
      return c.redirect(backTo(c, `/callbacks/${id}`), 303);
    },
  },
};

type Hold = { until: string | null; reason: string; rule: string; citation: string | null; zone: string; zone_source: string };
type Callback = {
  id: string; status: string; lead_id: string; phone: string; name: string | null; source: string; scheduled_at: string;
  next_attempt_at: string | null; hold: Hold | null; attempt_count: number; retry: { max_attempts: number }; ended_reason: string | null; created_at: string;
};
type Attempt = {
  attempt_number: number; leg: number; agent_phone: string; agent_status: string; lead_status: string | null; answered_by: string | null;
  outcome: string | null; recording_url: string | null; duration_seconds: number | null; created_at: string;
};

export function HoldCard(props: { hold: Hold; zone: string }) {
  const { hold } = props;
  return (
    <div class="card" role="note">
      <strong>Held: {holdWords[hold.reason] ?? hold.reason}.</strong>{" "}
      {hold.until ? <>It may ring from <Time at={hold.until} zone={props.zone} /> ({props.zone}).</> : "No hour is open yet; it is looked at again daily."}
      <dl class="facts">
        <dt>Rule</dt><dd>{hold.rule}</dd>
        {hold.citation && <><dt>Law</dt><dd>{hold.citation}</dd></>}
        <dt>Lead's zone</dt><dd>{hold.zone} (from {hold.zone_source})</dd>
      </dl>
    </div>
  );
}

export function CallbackTable(props: { rows: Callback[]; zone: string }) {
  if (props.rows.length === 0) return <p class="muted">No callbacks.</p>;
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr><th>Lead</th><th>Status</th><th>Next attempt</th><th class="hide-narrow">Why held</th><th class="hide-narrow">Created</th></tr>
        </thead>
        <tbody>
          {props.rows.map((cb) => (
            <tr>
              <td><a href={`/callbacks/${cb.id}`}>{cb.name ?? cb.phone}</a></td>
              <td><Status value={cb.status} /></td>
              <td><Time at={cb.next_attempt_at} zone={props.zone} /></td>
              <td class="hide-narrow">{cb.hold ? holdWords[cb.hold.reason] ?? cb.hold.reason : ""}</td>
              <td class="hide-narrow"><Time at={cb.created_at} zone={props.zone} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One leg: the agent's call and, once bridged, the lead's, with who answered and the recording. */
export function AttemptTimeline(props: { attempt: Attempt }) {
  const a = props.attempt;
  return (
    <>
      Attempt {a.attempt_number}, leg {a.leg}: agent <span class="mono">{a.agent_phone}</span> <Status value={a.agent_status} />
      {a.lead_status && <>, lead <Status value={a.lead_status} /></>}
      {a.answered_by && <> answered by {a.answered_by}</>}
      {a.outcome && <> ({a.outcome})</>}
      {a.duration_seconds !== null && <>, {a.duration_seconds} s</>}
      {a.recording_url && /^https?:\/\//.test(a.recording_url) && <> — <a href={a.recording_url} rel="noreferrer">recording</a></>}
    </>
  );
}
