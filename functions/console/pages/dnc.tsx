import { callApi, query } from "../api.ts";
import { backTo, flash, formFields, type Section, takeFlash } from "../forms.ts";
import { Action, ChangeForm, Page, Pager, refusal, Time, zoneOf } from "../ui.tsx";

// The do-not-call list: look up, add, remove, and CSV in and out. An import is one POST /v1/dnc
// per row, in-process, so each row is checked and refused exactly as the API would; it stops at
// 1,000 rows, and says which lines it refused and why.

export const importLimit = 1_000;
type Entry = { phone: string; reason: string | null; created_at: string };

export const dncPages: Section = {
  get: {
    "/dnc": async (c, vars, api) => {
      const phone = c.req.query("phone")?.trim() ?? "";
      const cursor = c.req.query("cursor");
      const answer = await callApi(c, api, "GET", `/v1/dnc${query({ phone, cursor, limit: 100 })}`);
      const zone = zoneOf(vars);
      return c.html(
        <Page title="Do-not-call list" vars={vars} section="/dnc" flash={takeFlash(c) ?? (answer.ok ? null : { kind: "error", text: refusal(answer.body) })}>
          <form class="filters" method="get" action="/dnc">
            <label>Phone<input type="search" name="phone" value={phone} placeholder="+14155550100" /></label>
            <button type="submit">Look up</button>
            <a href="/dnc.csv">Export CSV</a>
          </form>
          <div class="scroll">
            <table>
              <thead><tr><th>Phone</th><th>Reason</th><th class="hide-narrow">Added</th><th></th></tr></thead>
              <tbody>
                {(answer.ok ? answer.body.data : []).map((e: Entry) => (
                  <tr>
                    <td class="mono">{e.phone}</td>
                    <td>{e.reason ?? ""}</td>
                    <td class="hide-narrow"><Time at={e.created_at} zone={zone} /></td>
                    <td><Action vars={vars} action="/dnc/remove" fields={{ phone: e.phone }} label="Remove" kind="secondary" confirm={`Allow calls to ${e.phone} again?`} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager next={answer.ok ? answer.body.next_cursor : null} base="/dnc" params={{ phone }} />
          <h2>Add a number</h2>
          <ChangeForm vars={vars} action="/dnc" class="filters">
            <label>Phone (international)<input name="phone" required /></label>
            <label>Reason<input name="reason" /></label>
            <button type="submit">Add</button>
          </ChangeForm>
          <h2>Import CSV</h2>
          <ChangeForm vars={vars} action="/dnc/import" enctype="multipart/form-data">
            <p class="muted">One number per line: <code>phone,reason</code> (a header line is skipped). At most {importLimit} rows.</p>
            <label>File<input type="file" name="file" accept=".csv,text/csv,text/plain" /></label>
            <label>Or paste<textarea name="text" rows={4} /></label>
            <button type="submit">Import</button>
          </ChangeForm>
        </Page>,
      );
    },

    "/dnc.csv": async (c, _vars, api) => {
      const lines = ["phone,reason,created_at"];
      let cursor: string | undefined;
      do {
        const answer = await callApi(c, api, "GET", `/v1/dnc${query({ cursor, limit: 100 })}`);
        if (!answer.ok) return c.text(refusal(answer.body), 502);
        for (const e of answer.body.data as Entry[]) lines.push([e.phone, e.reason ?? "", e.created_at].map(csvCell).join(","));
        cursor = answer.body.next_cursor ?? undefined;
      } while (cursor);
      return c.body(`${lines.join("\r\n")}\r\n`, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="do-not-call.csv"' });
    },
  },
  post: {
    "/dnc": async (c, _vars, api) => {
      const f = await formFields(c);
      const answer = await callApi(c, api, "POST", "/v1/dnc", { phone: f.phone, ...(f.reason && { reason: f.reason }) });
      flash(c, answer.ok ? "notice" : "error", answer.ok ? `${answer.body.phone} is on the list.` : refusal(answer.body));
      return c.redirect("/dnc", 303);
    },
    "/dnc/remove": async (c, _vars, api) => {
      const { phone = "" } = await formFields(c);
      const answer = await callApi(c, api, "DELETE", `/v1/dnc/${encodeURIComponent(phone)}`);
      flash(c, answer.ok ? "notice" : "error", answer.ok ? `${phone} removed.` : refusal(answer.body));
      return c.redirect(backTo(c, "/dnc"), 303);
    },
    "/dnc/import": async (c, _vars, api) => {
      const body = await c.req.parseBody();
      const text = body.file instanceof File && body.file.size > 0 ? await body.file.text() : typeof body.text === "string" ? body.text : "";
      const rows = parseCsv(text).filter((row, i) => !(i === 0 && /^phone$/i.test(row[0] ?? "")));
      if (rows.length > importLimit) {
        flash(c, "error", `The file has ${rows.length} rows; import at most ${importLimit} at a time.`);
        return c.redirect("/dnc", 303);
      }
      let added = 0;
      const refused: string[] = [];
      for (const [index, [phone = "", reason = ""]] of rows.entries()) {
        if (!phone) continue;
        const answer = await callApi(c, api, "POST", "/v1/dnc", { phone, ...(reason && { reason }) });
        if (answer.ok) added++;
        else refused.push(`row ${index + 1} (${phone.slice(0, 40)}): ${refusal(answer.body)}`);
      }
      flash(c, refused.length ? "error" : "notice", `${added} numbers on the list.${refused.length ? ` ${refused.length} refused: ${refused.slice(0, 5).join("; ")}${refused.length > 5 ? "; …" : ""}` : ""}`);
      return c.redirect("/dnc", 303);
    },
  },
};

/** RFC 4180 rows: commas, quoted fields with "" for a quote, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (quoted || (ch !== "," && ch !== "\n" && ch !== "\r")) {
      cell += ch;
    } else {
      row.push(cell.trim());
      cell = "";
      if (ch === ",") continue;
      if (ch === "\r" && text[i + 1] === "\n") i++;
      if (row.some((v) => v !== "")) rows.push(row);
      row = [];
    }
  }
  row.push(cell.trim());
  if (row.some((v) => v !== "")) rows.push(row);
  return rows;
}

/**
 * A CSV cell, quoted where needed. Text a spreadsheet would run as a formula (=, +, -, @ first)
 * gets a leading apostrophe; phone numbers are E.164 digits, which spreadsheets read as numbers.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^\+\d+$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
