import type { Child } from "hono/jsx";
import type { ConsoleVars } from "./session.ts";

// The console's page shell and the small pieces every page uses.

const sections = [
  ["/", "Overview"],
  ["/leads", "Leads"],
  ["/callbacks", "Callbacks"],
  ["/webhooks", "Webhooks"],
  ["/agents", "Agents"],
  ["/domains", "Domains"],
  ["/keys", "Keys"],
  ["/dnc", "Do-not-call"],
] as const;

export type Flash = { kind: "notice" | "error"; text: string };

export function Page(props: { title: string; vars: ConsoleVars; section: string; flash?: Flash | null; children: Child }) {
  const { session, csrf } = props.vars;
  const other = session.mode === "live" ? "test" : "live";
  return (
    <Document title={`${props.title} · Ringback`}>
      <header class="top">
        <span class="brand">Ringback</span>
        <span>{session.workspace.name}</span>
        <span class={`badge ${session.mode === "live" ? "live" : ""}`}>{session.mode} mode</span>
        <form method="post" action="/mode">
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="mode" value={other} />
          <button class="link" type="submit">Switch to {other}</button>
        </form>
        <span class="muted hide-narrow">
          {session.user.email} ({session.role})
        </span>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={csrf} />
          <button class="link" type="submit">Sign out</button>
        </form>
      </header>
      <nav class="main" aria-label="Sections">
        {sections.map(([href, label]) => (
          <a href={href} class={props.section === href ? "on" : ""} aria-current={props.section === href ? "page" : undefined}>
            {label}
          </a>
        ))}
      </nav>
      <main>
        {props.flash && (
          <div class={`flash ${props.flash.kind}`} role={props.flash.kind === "error" ? "alert" : "status"}>
            {props.flash.text}
          </div>
        )}
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </Document>
  );
}

export function Document(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/assets/console.css" />
        <script src="/assets/console.js" defer />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** A one-button form that POSTs to `action`; hidden for viewers, who cannot change anything. */
export function Action(props: { vars: ConsoleVars; action: string; label: string; confirm?: string; fields?: Record<string, string>; kind?: "danger" | "secondary" }) {
  if (props.vars.session.role === "viewer") return null;
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <input type="hidden" name="_csrf" value={props.vars.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind ?? ""}>
        {props.label}
      </button>
    </form>
  );
}

/** A form of the page's own fields, with the CSRF token; nothing for viewers. */
export function ChangeForm(props: { vars: ConsoleVars; action: string; class?: string; children: Child; enctype?: "multipart/form-data" }) {
  if (props.vars.session.role === "viewer") return null;
  return (
    <form method="post" action={props.action} class={props.class ?? "stack"} enctype={props.enctype}>
      <input type="hidden" name="_csrf" value={props.vars.csrf} />
      {props.children}
    </form>
  );
}

const tones: Record<string, string> = {
  connected: "ok", completed: "ok", succeeded: "ok", human: "ok", active: "ok",
  failed: "bad", exhausted: "bad", blocked: "bad", canceled: "bad", revoked: "bad", disabled: "bad", "no-answer": "warn", busy: "warn",
  scheduled: "", retry_scheduled: "warn", dialing: "live", pending: "warn", ringing: "live", "in-progress": "live",
};

export function Status(props: { value: string | null | undefined }) {
  if (!props.value) return <span class="muted">—</span>;
  return <span class={`badge ${tones[props.value] ?? ""}`}>{props.value}</span>;
}

/** A time in the workspace's zone, with the exact instant for machines and tooltips. */
export function Time(props: { at: string | null | undefined; zone: string }) {
  if (!props.at) return <span class="muted">—</span>;
  return (
    <time datetime={props.at} title={props.at}>
      {formatTime(props.at, props.zone)}
    </time>
  );
}

export function formatTime(at: string, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}:${part("second")}`;
}

/** The link to the next page of a list, when the API says there is one. */
export function Pager(props: { next: string | null | undefined; base: string; params: Record<string, string | undefined> }) {
  if (!props.next) return null;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(props.params)) if (value) params.set(name, value);
  params.set("cursor", props.next);
  return (
    <p>
      <a href={`${props.base}?${params}`}>Next page →</a>
    </p>
  );
}

/** What the API said when it refused, for a flash message. */
export function refusal(body: unknown): string {
  if (body && typeof body === "object") {
    const b = body as { detail?: string; title?: string; errors?: { path?: string; message?: string }[] };
    const fields = (b.errors ?? []).map((e) => `${e.path ? `${e.path}: ` : ""}${e.message ?? ""}`).join("; ");
    return [b.detail ?? b.title, fields].filter(Boolean).join(" — ") || "The request was refused";
  }
  return typeof body === "string" && body ? body.slice(0, 300) : "The request was refused";
}

export const zoneOf = (vars: ConsoleVars) => vars.session.workspace.timezone ?? "UTC";

/**
 * A secret the API shows once (a key, a signing secret), on the answer to the POST that made it:
 * never carried through a redirect, where it would sit in a cookie or a URL.
 */
export function SecretOnce(props: { vars: ConsoleVars; section: string; title: string; label: string; secret: string; back: string }) {
  return (
    <Page title={props.title} vars={props.vars} section={props.section}>
      <div class="secret" role="status">
        <p>{props.label} It is shown only this once: copy it now.</p>
        <p class="mono" id="secret">{props.secret}</p>
      </div>
      <p><a href={props.back}>Done</a></p>
    </Page>
  );
}
