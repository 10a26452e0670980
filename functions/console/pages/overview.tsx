import type { Metrics } from "../../../schemas/metrics.ts";
import { callApi, query } from "../api.ts";
import { type Section, takeFlash } from "../forms.ts";
import { formatTime, Page, refusal, Status, zoneOf } from "../ui.tsx";

// Today's leads and callbacks, and speed to lead over the last 7 days: GET /v1/metrics twice
// (today in the workspace's zone, and the week), drawn on the server.

export const overviewPage: Section = {
  get: {
    "/": async (c, vars, api) => {
      const zone = zoneOf(vars);
      const now = new Date();
      const today = startOfDay(now, zone);
      const [day, week] = await Promise.all([
        callApi<Metrics>(c, api, "GET", `/v1/metrics${query({ from: today.toISOString(), to: now.toISOString() })}`),
        callApi<Metrics>(c, api, "GET", "/v1/metrics"),
      ]);
      const failed = [day, week].find((a) => !a.ok);
      return c.html(
        <Page title="Overview" vars={vars} section="/" flash={takeFlash(c) ?? (failed ? { kind: "error", text: refusal(failed.body) } : null)}>
          {day.ok && week.ok && <Dashboard day={day.body} week={week.body} zone={zone} />}
        </Page>,
      );
    },
  },
  post: {},
};

function Dashboard(props: { day: Metrics; week: Metrics; zone: string }) {
  const { day, week } = props;
  const seconds = (s: number | null) => (s === null ? "—" : s < 90 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);
  const leadsToday = day.series.points.reduce((n, p) => n + p.leads, 0);
  return (
    <>
      <div class="grid">
        <Stat n={String(leadsToday)} label="Leads today" />
        <Stat n={String(day.callbacks.total)} label="Callbacks today" />
        <Stat n={seconds(week.speed_to_lead.first_dial.p50_seconds)} label="Speed to first dial, p50 (7 days)" />
        <Stat n={seconds(week.speed_to_lead.first_dial.p95_seconds)} label="p95 (7 days)" />
        <Stat n={seconds(week.speed_to_lead.lead_connected.p50_seconds)} label="To the lead connected, p50" />
        <Stat n={percent(week.connect_rate.rate)} label={`Connect rate (${week.connect_rate.connected} of ${week.connect_rate.dialled})`} />
        <Stat n={percent(week.webhooks.success_rate)} label="Webhook success (7 days)" />
      </div>
      <h2>Callbacks today by status</h2>
      <div class="card">
        {Object.entries(day.callbacks.by_status)
          .filter(([, n]) => n > 0)
          .map(([status, n]) => (
            <span>
              <Status value={status} /> {n}{" "}
            </span>
          ))}
        {day.callbacks.total === 0 && <span class="muted">No callbacks yet today.</span>}
      </div>
      <h2>Speed to first dial, last 7 days</h2>
      <div class="card">
        <Chart metrics={week} zone={props.zone} />
      </div>
    </>
  );
}

function Stat(props: { n: string; label: string }) {
  return (
    <div class="card stat">
      <div class="n">{props.n}</div>
      <div class="l">{props.label}</div>
    </div>
  );
}

const percent = (rate: number | null) => (rate === null ? "—" : `${Math.round(rate * 1000) / 10} %`);

/** p50 and p95 per bucket as two lines, with the leads per bucket as bars behind them. */
function Chart(props: { metrics: Metrics; zone: string }) {
  const points = props.metrics.series.points;
  if (points.length === 0) return <p class="muted">No data in this range.</p>;
  const width = 720;
  const height = 220;
  const pad = { left: 48, right: 12, top: 12, bottom: 28 };
  const maxSeconds = Math.max(1, ...points.map((p) => p.first_dial.p95_seconds ?? 0));
  const maxLeads = Math.max(1, ...points.map((p) => p.leads));
  const step = (width - pad.left - pad.right) / points.length;
  const x = (i: number) => pad.left + step * (i + 0.5);
  const y = (s: number) => pad.top + (height - pad.top - pad.bottom) * (1 - s / maxSeconds);
  const line = (pick: (p: (typeof points)[number]) => number | null) =>
    points.flatMap((p, i) => (pick(p) === null ? [] : [`${x(i).toFixed(1)},${y(pick(p) ?? 0).toFixed(1)}`])).join(" ");
  const label = (at: string) => formatTime(at, props.zone).slice(props.metrics.series.bucket === "day" ? 5 : 11, props.metrics.series.bucket === "day" ? 10 : 16);
  const every = Math.max(1, Math.ceil(points.length / 8));
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Speed to first dial: p50 and p95 per period">
      {points.map((p, i) => {
        const h = ((height - pad.top - pad.bottom) * p.leads) / maxLeads;
        return <rect x={(x(i) - step * 0.35).toFixed(1)} y={(height - pad.bottom - h).toFixed(1)} width={(step * 0.7).toFixed(1)} height={h.toFixed(1)} fill="#e4e7ec" />;
      })}
      <polyline points={line((p) => p.first_dial.p95_seconds)} fill="none" stroke="#f79009" stroke-width="2" />
      <polyline points={line((p) => p.first_dial.p50_seconds)} fill="none" stroke="#0b63ce" stroke-width="2" />
      <text x="4" y={pad.top + 10} font-size="11" fill="#5b6470">{Math.round(maxSeconds)} s</text>
      <text x="4" y={height - pad.bottom} font-size="11" fill="#5b6470">0 s</text>
      {points.map((p, i) => (i % every === 0 ? <text x={x(i)} y={height - 8} font-size="11" fill="#5b6470" text-anchor="middle">{label(p.start)}</text> : null))}
      <text x={width - 200} y={pad.top + 10} font-size="11" fill="#0b63ce">— p50</text>
      <text x={width - 150} y={pad.top + 10} font-size="11" fill="#f79009">— p95</text>
      <text x={width - 100} y={pad.top + 10} font-size="11" fill="#5b6470">▮ leads</text>
    </svg>
  );
}

/** Midnight today in `zone`, as an instant. */
export function startOfDay(now: Date, zone: string): Date {
  const local = formatTime(now.toISOString(), zone); // YYYY-MM-DD HH:MM:SS in the zone
  const [h, m, s] = local.slice(11).split(":").map(Number);
  return new Date(now.getTime() - (((h ?? 0) * 60 + (m ?? 0)) * 60 + (s ?? 0)) * 1000 - now.getMilliseconds());
}
