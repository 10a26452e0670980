import type { Context } from "hono";
import type { Agent } from "../../../schemas/agents.ts";
import { callApi, query } from "../api.ts";
import { backTo, flash, formFields, idParam, type Section, takeFlash } from "../forms.ts";
import type { ConsoleEnv, ConsoleVars } from "../session.ts";
import { Action, ChangeForm, Page, Pager, refusal, SecretOnce, Status, Time, zoneOf } from "../ui.tsx";
import { Check, checked, hoursText, jsonOr, orNull } from "./fields.tsx";

// Agents: who is rung. A list, a form to add one, and an agent's page to change them, deactivate
// them (the row stays: calls name it) or bring them back. Their post-call webhook's secret is
// shown once, on the answer that made it, when Ringback made one.

export const agentPages: Section = {
  get: {
    "/agents": async (c, vars, api) => {
      const cursor = c.req.query("cursor");
      const answer = await callApi(c, api, "GET", `/v1/agents${query({ cursor, limit: 50 })}`);
      return c.html(
        <Page title="Agents" vars={vars} section="/agents" flash={takeFlash(c) ?? (answer.ok ? null : { kind: "error", text: refusal(answer.body) })}>
          <div class="scroll">
            <table>
              <thead><tr><th>Name</th><th>Phone</th><th>State</th><th class="hide-narrow">Department</th><th class="hide-narrow">Zone</th></tr></thead>
              <tbody>
                {(answer.ok ? answer.body.data : []).map((a: Agent) => (
                  <tr>
                    <td><a href={`/agents/${a.id}`}>{a.name}</a></td>
                    <td class="mono">{a.phone}</td>
                    <td><AgentState agent={a} /></td>
                    <td class="hide-narrow">{a.department ?? ""}</td>
                    <td class="hide-narrow">{a.timezone ?? <span class="muted">workspace's</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {answer.ok && answer.body.data.length === 0 && <p class="muted">No agents in {vars.session.mode} mode yet.</p>}
          <Pager next={answer.ok ? answer.body.next_cursor : null} base="/agents" params={{}} />
          <h2>Add an agent</h2>
          <ChangeForm vars={vars} action="/agents" class="stack card">
            <label>Name<input name="name" required /></label>
            <label>Phone (international, e.g. +14155550100)<input name="phone" type="tel" required /></label>
            <label>Department (optional)<input name="department" /></label>
            <label>Time zone (IANA; empty for the workspace's)<input name="timezone" placeholder="Europe/London" /></label>
            <Check name="available" label="Available to take calls" checked={true} />
            <label>Post-call webhook URL (https; optional: Ringback makes its secret and shows it once)<input name="webhook_url" type="url" /></label>
            <button type="submit">Add agent</button>
          </ChangeForm>
        </Page>,
      );
    },

    "/agents/:id": async (c, vars, api) => {
      const answer = await callApi(c, api, "GET", `/v1/agents/${encodeURIComponent(idParam(c))}`);
      if (!answer.ok) {
        return c.html(<Page title="Agent" vars={vars} section="/agents" flash={{ kind: "error", text: refusal(answer.body) }}><p><a href="/agents">All agents</a></p></Page>, answer.status === 404 ? 404 : 200);
      }
      const a: Agent = answer.body;
      const zone = zoneOf(vars);
      return c.html(
        <Page title={a.name} vars={vars} section="/agents" flash={takeFlash(c)}>
          <div class="card">
            <dl class="facts">
              <dt>State</dt><dd><AgentState agent={a} /></dd>
              <dt>Id (X-Agent-ID)</dt><dd class="mono">{a.id}</dd>
              <dt>Phone</dt><dd class="mono">{a.phone}</dd>
              <dt>Department</dt><dd>{a.department ?? "—"}</dd>
              <dt>Time zone</dt><dd>{a.timezone ?? "the workspace's"}</dd>
              <dt>Schedule</dt><dd>{a.schedule ? <pre>{hoursText(a.schedule)}</pre> : "any time"}</dd>
              <dt>Post-call webhook</dt><dd class="mono">{a.webhook_url ?? "—"}{a.webhook_url && !a.webhook_secret_set && " (no secret)"}</dd>
              <dt>Last rung</dt><dd><Time at={a.last_dialed_at} zone={zone} /></dd>
              <dt>Added</dt><dd><Time at={a.created_at} zone={zone} /></dd>
            </dl>
          </div>
          <p>
            {a.active ? (
              <Action vars={vars} action={`/agents/${a.id}/deactivate`} label="Deactivate" kind="danger" confirm={`Deactivate ${a.name}? They will no longer be rung; a call already ringing them goes on.`} />
            ) : (
              <Action vars={vars} action={`/agents/${a.id}`} fields={{ only: "active" }} label="Bring back" kind="secondary" />
            )}{" "}
            {a.webhook_url && <Action vars={vars} action={`/agents/${a.id}/rotate`} label="Rotate webhook secret" kind="secondary" confirm="Make a new secret? The old one stops signing at once." />}
          </p>
          <h2>Change</h2>
          <ChangeForm vars={vars} action={`/agents/${a.id}`} class="stack card">
            <label>Name<input name="name" value={a.name} required /></label>
            <label>Phone<input name="phone" type="tel" value={a.phone} required /></label>
            <label>Department (empty for none)<input name="department" value={a.department ?? ""} /></label>
            <label>Time zone (IANA; empty for the workspace's)<input name="timezone" value={a.timezone ?? ""} /></label>
            <Check name="available" label="Available to take calls" checked={a.available} />
            <label>
              Schedule (JSON: ISO weekday "1" = Monday … "7" = Sunday, to ["HH:MM", "HH:MM"] ranges in their zone; empty for any time)
              <textarea name="schedule" rows={6} class="mono">{hoursText(a.schedule)}</textarea>
            </label>
            <label>Post-call webhook URL (empty removes it and its secret)<input name="webhook_url" type="url" value={a.webhook_url ?? ""} /></label>
            <input type="hidden" name="webhook_url_was" value={a.webhook_url ?? ""} />
            <button type="submit">Save</button>
          </ChangeForm>
          <p><a href="/agents">All agents</a></p>
        </Page>,
      );
    },
  },
  post: {
    "/agents": async (c, vars, api) => {
      const f = await formFields(c);
      const answer = await callApi(c, api, "POST", "/v1/agents", {
        name: f.name,
        phone: f.phone,
        available: checked(f, "available"),
        ...(f.department && { department: f.department }),
        ...(f.timezone && { timezone: f.timezone }),
        ...(f.webhook_url && { webhook_url: f.webhook_url }),
      });
      if (!answer.ok) {
        flash(c, "error", refusal(answer.body));
        return c.redirect("/agents", 303);
      }
      if (answer.body.webhook_secret) return secretPage(c, vars, answer.body, "Agent added");
      flash(c, "notice", `${answer.body.name} added.`);
      return c.redirect(`/agents/${answer.body.id}`, 303);
    },
    "/agents/:id": async (c, vars, api) => {
      const id = idParam(c);
      const f = await formFields(c);
      // "Bring back" sends only active: the rest of the agent is as it was.
      const body =
        f.only === "active"
          ? { active: true }
          : {
              name: f.name,
              phone: f.phone,
              department: orNull(f.department),
              timezone: orNull(f.timezone),
              available: checked(f, "available"),
              schedule: jsonOr(f.schedule),
              // Sent only when changed: the same URL sent again is checked again for nothing.
              ...(f.webhook_url !== f.webhook_url_was && { webhook_url: orNull(f.webhook_url) }),
            };
      const answer = await callApi(c, api, "PATCH", `/v1/agents/${encodeURIComponent(id)}`, body);
      if (answer.ok && answer.body.webhook_secret) return secretPage(c, vars, answer.body, "Agent saved");
      flash(c, answer.ok ? "notice" : "error", answer.ok ? (f.only === "active" ? `${answer.body.name} is active again.` : "Saved.") : refusal(answer.body));
      return c.redirect(`/agents/${encodeURIComponent(id)}`, 303);
    },
    "/agents/:id/deactivate": async (c, _vars, api) => {
      const answer = await callApi(c, api, "POST", `/v1/agents/${encodeURIComponent(idParam(c))}/deactivate`);
      flash(c, answer.ok ? "notice" : "error", answer.ok ? `${answer.body.name} deactivated: no longer rung.` : refusal(answer.body));
      return c.redirect(backTo(c, "/agents"), 303);
    },
    "/agents/:id/rotate": async (c, vars, api) => {
      const id = idParam(c);
      const answer = await callApi(c, api, "POST", `/v1/agents/${encodeURIComponent(id)}/rotate_webhook_secret`);
      if (answer.ok) return secretPage(c, vars, answer.body, "Secret rotated");
      flash(c, "error", refusal(answer.body));
      return c.redirect(`/agents/${encodeURIComponent(id)}`, 303);
    },
  },
};

/** The secret Ringback made, on this answer only (SecretOnce says why not through a redirect). */
function secretPage(c: Context<ConsoleEnv>, vars: ConsoleVars, agent: Agent & { webhook_secret: string }, title: string) {
  return c.html(<SecretOnce vars={vars} section="/agents" title={title} label={`The post-call webhook's signing secret for ${agent.name}.`} secret={agent.webhook_secret} back={`/agents/${agent.id}`} />);
}

function AgentState(props: { agent: Agent }) {
  const a = props.agent;
  if (!a.active) return <span class="badge bad">inactive</span>;
  return <><Status value="active" /> {a.available ? "available" : <span class="muted">away</span>}</>;
}
