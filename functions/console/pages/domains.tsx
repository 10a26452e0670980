import type { Domain } from "../../../schemas/domains.ts";
import { callApi, query } from "../api.ts";
import { flash, formFields, idParam, type Section, takeFlash } from "../forms.ts";
import { ChangeForm, Page, Pager, refusal, Time, zoneOf } from "../ui.tsx";
import { Check, checked, hoursText, jsonOr, listOf, orNull, wholeOr } from "./fields.tsx";

// Domains: the sites whose leads are called back, each with its calling settings. The settings
// form sends every setting, pre-filled with the stored ones, so what the page shows is what is
// saved; checkboxes are sent as true or false, never left out (a left-out field keeps its value).

export const domainPages: Section = {
  get: {
    "/domains": async (c, vars, api) => {
      const cursor = c.req.query("cursor");
      const answer = await callApi(c, api, "GET", `/v1/domains${query({ cursor, limit: 50 })}`);
      const zone = zoneOf(vars);
      return c.html(
        <Page title="Domains" vars={vars} section="/domains" flash={takeFlash(c) ?? (answer.ok ? null : { kind: "error", text: refusal(answer.body) })}>
          <div class="scroll">
            <table>
              <thead><tr><th>Name</th><th>Zone</th><th>Calling hours</th><th class="hide-narrow">Id (CallMeBack's domain_id)</th><th class="hide-narrow">Created</th></tr></thead>
              <tbody>
                {(answer.ok ? answer.body.data : []).map((d: Domain) => (
                  <tr>
                    <td><a href={`/domains/${d.id}`}>{d.name}</a></td>
                    <td>{d.timezone}</td>
                    <td>{d.calling_hours_start}–{d.calling_hours_end}</td>
                    <td class="hide-narrow mono">{d.id}</td>
                    <td class="hide-narrow"><Time at={d.created_at} zone={zone} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {answer.ok && answer.body.data.length === 0 && <p class="muted">No domains in {vars.session.mode} mode yet.</p>}
          <Pager next={answer.ok ? answer.body.next_cursor : null} base="/domains" params={{}} />
          <h2>Add a domain</h2>
          <ChangeForm vars={vars} action="/domains" class="stack card">
            <label>Name (the site, e.g. shop.example)<input name="name" required /></label>
            <label>Time zone (IANA; empty for UTC)<input name="timezone" placeholder="America/New_York" /></label>
            <label>Default country (for numbers without +; optional)<input name="default_country" placeholder="US" maxlength={2} /></label>
            <p class="muted">The other settings start at their defaults; change them on the domain's page.</p>
            <button type="submit">Add domain</button>
          </ChangeForm>
        </Page>,
      );
    },

    "/domains/:id": async (c, vars, api) => {
      const answer = await callApi(c, api, "GET", `/v1/domains/${encodeURIComponent(idParam(c))}`);
      if (!answer.ok) {
        return c.html(<Page title="Domain" vars={vars} section="/domains" flash={{ kind: "error", text: refusal(answer.body) }}><p><a href="/domains">All domains</a></p></Page>, answer.status === 404 ? 404 : 200);
      }
      const d: Domain = answer.body;
      return c.html(
        <Page title={d.name} vars={vars} section="/domains" flash={takeFlash(c)}>
          <div class="card">
            <dl class="facts">
              <dt>Id (domain_id)</dt><dd class="mono">{d.id}</dd>
              <dt>Widget key</dt><dd class="mono">{d.widget_key}</dd>
              <dt>Mode</dt><dd>{d.mode}</dd>
              <dt>Updated</dt><dd><Time at={d.updated_at} zone={zoneOf(vars)} /></dd>
            </dl>
          </div>
          {vars.session.role === "viewer" && <Settings domain={d} />}
          <ChangeForm vars={vars} action={`/domains/${d.id}`} class="stack card">
            <label>Name<input name="name" value={d.name} required /></label>
            <label>Time zone (IANA)<input name="timezone" value={d.timezone} required /></label>
            <label>Default country (two letters; empty for none)<input name="default_country" value={d.default_country ?? ""} maxlength={2} /></label>
            <label>
              Business hours (JSON: ISO weekday "1" = Monday … "7" = Sunday, to ["HH:MM", "HH:MM"] ranges; a day left out is closed)
              <textarea name="business_hours" rows={8} class="mono">{hoursText(d.business_hours)}</textarea>
            </label>
            <label>Holidays (YYYY-MM-DD, comma-separated)<input name="holidays" value={(d.holidays ?? []).join(", ")} /></label>
            <label>Calling hours start (HH:MM, the lead's zone)<input name="calling_hours_start" value={d.calling_hours_start} required /></label>
            <label>Calling hours end (HH:MM; 24:00 is midnight)<input name="calling_hours_end" value={d.calling_hours_end} required /></label>
            <label>Calls one lead may get in 24 hours (1 to 100)<input name="daily_attempt_cap" type="number" min={1} max={100} value={String(d.daily_attempt_cap)} /></label>
            <label>Calls per callback, the first included (1 to 5)<input name="retry_max_attempts" type="number" min={1} max={5} value={String(d.retry_max_attempts)} /></label>
            <label>Seconds before each retry (comma-separated, 1 to 4)<input name="retry_intervals_seconds" value={(d.retry_intervals_seconds ?? []).join(", ")} /></label>
            <Check name="auto_callback" label="Call back by itself when a lead comes in" checked={d.auto_callback === true} />
            <Check name="require_consent" label="Refuse leads without a consent record" checked={d.require_consent === true} />
            <Check name="agent_accept" label="The agent hears who the lead is and presses 1 to take the call" checked={d.agent_accept === true} />
            <Check name="record_calls" label="Record calls" checked={d.record_calls === true} />
            <label>
              When voicemail answers
              <select name="machine_answer">
                <option value="retry" selected={d.machine_answer === "retry"}>Hang up and retry</option>
                <option value="voicemail" selected={d.machine_answer === "voicemail"}>Leave the message below</option>
              </select>
            </label>
            <label>Voicemail message<textarea name="voicemail_message" rows={3}>{d.voicemail_message ?? ""}</textarea></label>
            <button type="submit">Save settings</button>
          </ChangeForm>
          <p><a href="/domains">All domains</a></p>
        </Page>,
      );
    },
  },
  post: {
    "/domains": async (c, _vars, api) => {
      const f = await formFields(c);
      const body = { name: f.name, ...(f.timezone && { timezone: f.timezone }), ...(f.default_country && { default_country: f.default_country }) };
      const answer = await callApi(c, api, "POST", "/v1/domains", body);
      if (!answer.ok) {
        flash(c, "error", refusal(answer.body));
        return c.redirect("/domains", 303);
      }
      flash(c, "notice", `${answer.body.name} added; its settings are below.`);
      return c.redirect(`/domains/${answer.body.id}`, 303);
    },
    "/domains/:id": async (c, _vars, api) => {
      const id = idParam(c);
      const f = await formFields(c);
      const answer = await callApi(c, api, "PATCH", `/v1/domains/${encodeURIComponent(id)}`, {
        name: f.name,
        timezone: f.timezone,
        default_country: orNull(f.default_country),
        business_hours: jsonOr(f.business_hours) ?? {},
        holidays: listOf(f.holidays),
        calling_hours_start: f.calling_hours_start,
        calling_hours_end: f.calling_hours_end,
        daily_attempt_cap: wholeOr(f.daily_attempt_cap),
        retry_max_attempts: wholeOr(f.retry_max_attempts),
        retry_intervals_seconds: listOf(f.retry_intervals_seconds).map(wholeOr),
        auto_callback: checked(f, "auto_callback"),
        require_consent: checked(f, "require_consent"),
        agent_accept: checked(f, "agent_accept"),
        record_calls: checked(f, "record_calls"),
        machine_answer: f.machine_answer,
        voicemail_message: orNull(f.voicemail_message),
      });
      flash(c, answer.ok ? "notice" : "error", answer.ok ? "Settings saved." : refusal(answer.body));
      return c.redirect(`/domains/${encodeURIComponent(id)}`, 303);
    },
  },
};

/** The settings as text, for viewers, who get no form. */
function Settings(props: { domain: Domain }) {
  const d = props.domain;
  const yes = (v: boolean | undefined) => (v ? "yes" : "no");
  return (
    <div class="card">
      <dl class="facts">
        <dt>Time zone</dt><dd>{d.timezone}</dd>
        <dt>Default country</dt><dd>{d.default_country ?? "—"}</dd>
        <dt>Business hours</dt><dd><pre>{hoursText(d.business_hours)}</pre></dd>
        <dt>Holidays</dt><dd>{(d.holidays ?? []).join(", ") || "—"}</dd>
        <dt>Calling hours</dt><dd>{d.calling_hours_start}–{d.calling_hours_end}</dd>
        <dt>Daily cap</dt><dd>{d.daily_attempt_cap}</dd>
        <dt>Retries</dt><dd>{d.retry_max_attempts} calls, waits {(d.retry_intervals_seconds ?? []).join(", ")} s</dd>
        <dt>Auto callback</dt><dd>{yes(d.auto_callback)}</dd>
        <dt>Consent required</dt><dd>{yes(d.require_consent)}</dd>
        <dt>Agent accepts</dt><dd>{yes(d.agent_accept)}</dd>
        <dt>Voicemail</dt><dd>{d.machine_answer}{d.voicemail_message ? `: ${d.voicemail_message}` : ""}</dd>
        <dt>Record calls</dt><dd>{yes(d.record_calls)}</dd>
      </dl>
    </div>
  );
}
