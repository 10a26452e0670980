// The console's stylesheet and script, served by the Worker itself (no CDN): small enough to
// ship inside the script, and cached by the browser for an hour.

export const stylesheet = `
:root { --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --bg: #f6f7f9; --card: #fff; --accent: #0b63ce; --bad: #b42318; --ok: #067647; --warn: #b54708; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; background: #101828; color: #fff; }
header.top a, header.top button.link { color: #fff; }
header.top .brand { font-weight: 700; margin-right: auto; }
header.top form { display: inline; margin: 0; }
header.top .badge { background: #fdb022; color: #101828; } header.top .badge.live { background: #344054; color: #fff; }
nav.main { display: flex; gap: .25rem; overflow-x: auto; padding: .4rem 1rem; background: #fff; border-bottom: 1px solid var(--line); white-space: nowrap; }
nav.main a { padding: .35rem .6rem; border-radius: 6px; color: var(--ink); }
nav.main a.on { background: #e8f0fc; color: var(--accent); font-weight: 600; }
main { max-width: 1180px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.35rem; margin: .2rem 0 1rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .6rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; margin-bottom: 1rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); }
.stat .n { font-size: 1.8rem; font-weight: 700; } .stat .l { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem; background: #eef1f4; }
.badge.ok { background: #dcfae6; color: var(--ok); } .badge.bad { background: #fee4e2; color: var(--bad); } .badge.warn { background: #fef0c7; color: var(--warn); } .badge.live { background: #d1e9ff; color: #175cd3; }
.muted { color: var(--muted); } .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; word-break: break-all; }
form.inline { display: inline; } form.stack { display: grid; gap: .6rem; max-width: 560px; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
label { display: grid; gap: .2rem; font-size: .9rem; } label.check { display: flex; gap: .4rem; align-items: center; }
input, select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; min-width: 0; }
button { font: inherit; padding: .4rem .8rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); } button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: 0; padding: 0; color: var(--accent); text-decoration: underline; }
.flash { padding: .7rem 1rem; border-radius: 8px; margin-bottom: 1rem; } .flash.notice { background: #dcfae6; } .flash.error { background: #fee4e2; }
.secret { background: #fffaeb; border: 1px solid #fedf89; padding: .7rem; border-radius: 8px; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
ol.timeline li { margin: 0 0 .8rem; padding-left: 1rem; position: relative; }
ol.timeline li::before { content: ""; position: absolute; left: -6px; top: .45rem; width: 10px; height: 10px; border-radius: 50%; background: var(--accent); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; } dl.facts dt { color: var(--muted); }
pre { white-space: pre-wrap; word-break: break-all; background: #f2f4f7; padding: .5rem; border-radius: 6px; max-height: 16rem; overflow: auto; }
svg.chart { width: 100%; height: auto; background: #fff; }
.login { max-width: 380px; margin: 8vh auto; }
@media (max-width: 640px) { main { padding: .6rem; } th, td { padding: .35rem .4rem; } .hide-narrow { display: none; } }
`;

// Progressive: every page works without it. It asks before destructive actions, and refreshes
// the part of a page marked data-live every few seconds while the page says it is live.
export const script = `
document.addEventListener("submit", (e) => {
  const message = e.target.getAttribute("data-confirm");
  if (message && !confirm(message)) e.preventDefault();
});
for (const region of document.querySelectorAll("[data-live]")) {
  const every = Number(region.getAttribute("data-live")) || 3000;
  const tick = async () => {
    if (!region.isConnected || region.getAttribute("data-live") === "off") return;
    try {
      const response = await fetch(location.href, { headers: { "X-Console-Fragment": region.id }, credentials: "same-origin" });
      if (response.ok) {
        const html = await response.text();
        const next = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (next) { region.replaceChildren(...next.childNodes); region.setAttribute("data-live", next.getAttribute("data-live") ?? "off"); }
      }
    } catch {}
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}
`;
