import type { ApiKey } from "../../../schemas/keys.ts";
import { scopes } from "../../../schemas/scopes.ts";
import { callApi, query } from "../api.ts";
import { backTo, flash, formFields, idParam, type Section, takeFlash } from "../forms.ts";
import { Action, ChangeForm, Page, Pager, refusal, SecretOnce, Status, Time, zoneOf } from "../ui.tsx";
import { Check, listOf } from "./fields.tsx";

// API keys of the session's mode: the list (never a key, only its prefix and last four), a form
// to make one, whose whole key is shown on the answer and never again, and revoke. A revoked key
// stays listed: its prefix and last four are the record of what a leaked key was.

export const keyPages: Section = {
  get: {
    "/keys": async (c, vars, api) => {
      const cursor = c.req.query("cursor");
      const answer = await callApi(c, api, "GET", `/v1/keys${query({ cursor, limit: 50 })}`);
      const zone = zoneOf(vars);
      const mode = vars.session.mode;
      return c.html(
        <Page title="API keys" vars={vars} section="/keys" flash={takeFlash(c) ?? (answer.ok ? null : { kind: "error", text: refusal(answer.body) })}>
          <p class="muted">The {mode} mode's keys. Keys made here are {mode} keys; switch mode at the top for the other's.</p>
          <div class="scroll">
            <table>
              <thead>
                <tr><th>Key</th><th>Name</th><th>Kind</th><th class="hide-narrow">Scopes</th><th class="hide-narrow">Origins</th><th class="hide-narrow">Created</th><th>Last used</th><th></th></tr>
              </thead>
              <tbody>
                {(answer.ok ? answer.body.data : []).map((k: ApiKey) => (
                  <tr>
                    <td class="mono">{k.prefix}…{k.last4}</td>
                    <td>{k.name ?? <span class="muted">—</span>}{k.agent_id && <div class="muted">for agent <a href={`/agents/${k.agent_id}`}>{k.agent_id}</a></div>}</td>
                    <td>{k.kind}</td>
                    <td class="hide-narrow">{k.scopes.length === scopes.length ? "all" : k.scopes.join(", ")}</td>
                    <td class="hide-narrow mono">{k.allowed_origins.join(" ")}</td>
                    <td class="hide-narrow"><Time at={k.created_at} zone={zone} /></td>
                    <td><Time at={k.last_used_at} zone={zone} /></td>
                    <td>
                      {k.revoked_at ? (
                        <><Status value="revoked" /> <Time at={k.revoked_at} zone={zone} /></>
                      ) : (
                        <Action vars={vars} action={`/keys/${k.id}/revoke`} label="Revoke" kind="danger" confirm={`Revoke ${k.prefix}…${k.last4}? Requests with it are refused from now on.`} />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {answer.ok && answer.body.data.length === 0 && <p class="muted">No {mode} keys yet.</p>}
          <Pager next={answer.ok ? answer.body.next_cursor : null} base="/keys" params={{}} />
          <h2>Create a key</h2>
          <ChangeForm vars={vars} action="/keys" class="stack card">
            <label>
              Kind
              <select name="kind">
                <option value="secret">Secret: for servers</option>
                <option value="publishable">Publishable: for web pages, sends leads only</option>
              </select>
            </label>
            <label>Name (what it is for)<input name="name" maxlength={100} /></label>
            <fieldset class="grid">
              <legend>Scopes (secret keys; a publishable key gets intake:write only)</legend>
              {scopes.map((s) => <Check name="scopes" value={s} label={s} checked={true} />)}
            </fieldset>
            <label>Allowed origins (publishable keys: where the page is, e.g. https://shop.example; comma-separated)<input name="allowed_origins" /></label>
            <button type="submit">Create key</button>
          </ChangeForm>
        </Page>,
      );
    },
  },
  post: {
    "/keys": async (c, vars, api) => {
      const f = await formFields(c);
      // formFields keeps one value per name; the scopes' checkboxes share theirs.
      const all = await c.req.parseBody({ all: true });
      const checkedScopes = ([] as unknown[]).concat(all.scopes ?? []).filter((s): s is string => typeof s === "string");
      const publishable = f.kind === "publishable";
      const answer = await callApi(c, api, "POST", "/v1/keys", {
        kind: publishable ? "publishable" : "secret",
        ...(f.name && { name: f.name }),
        // A publishable key can only send leads: its scope is the API's default, not the boxes'.
        ...(!publishable && { scopes: checkedScopes }),
        // Sent for a secret key only when typed, so the API's refusal says why a secret key takes none.
        ...((publishable || f.allowed_origins) && { allowed_origins: listOf(f.allowed_origins) }),
      });
      if (answer.ok) {
        const k = answer.body;
        return c.html(<SecretOnce vars={vars} section="/keys" title="Key created" label={`The ${k.mode} ${k.kind} key${k.name ? ` “${k.name}”` : ""}.`} secret={k.key} back="/keys" />);
      }
      flash(c, "error", refusal(answer.body));
      return c.redirect("/keys", 303);
    },
    "/keys/:id/revoke": async (c, _vars, api) => {
      const answer = await callApi(c, api, "POST", `/v1/keys/${encodeURIComponent(idParam(c))}/revoke`);
      flash(c, answer.ok ? "notice" : "error", answer.ok ? `${answer.body.prefix}…${answer.body.last4} revoked.` : refusal(answer.body));
      return c.redirect(backTo(c, "/keys"), 303);
    },
  },
};
