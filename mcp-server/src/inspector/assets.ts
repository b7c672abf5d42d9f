/**
 * The inspector's only static files: one stylesheet and one small script (keyboard shortcuts,
 * focusing the first search box), served from memory under /static/ so the Content-Security-
 * Policy can forbid every inline style and script.
 */

export const STYLESHEET = `
:root { --fg:#1d2430; --muted:#5b6473; --line:#d9dee6; --bg:#f7f8fa; --card:#fff; --accent:#2455c3; --bad:#b42318; --ok:#1a7f37; --warn:#9a6700; }
* { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); text-underline-offset: 2px; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible, [tabindex]:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
header.top { display:flex; align-items:center; gap:1rem; padding:.6rem 1.2rem; background:#17202e; color:#fff; }
header.top a { color:#fff; text-decoration:none; font-weight:600; }
header.top .where { color:#b8c2d3; font-size:.9rem; }
header.top .right { margin-left:auto; display:flex; gap:.8rem; align-items:center; font-size:.9rem; }
header.top .right form { margin:0; }
header.top button { background:transparent; color:#fff; border:1px solid #56627a; }
.skip { position:absolute; left:-999px; } .skip:focus { left:1rem; top:.5rem; background:#fff; padding:.3rem .6rem; z-index:9; }
nav.tabs { display:flex; gap:.2rem; padding:0 1.2rem; background:#fff; border-bottom:1px solid var(--line); overflow-x:auto; }
nav.tabs a { padding:.6rem .8rem; text-decoration:none; color:var(--muted); border-bottom:3px solid transparent; white-space:nowrap; }
nav.tabs a[aria-current=page] { color:var(--fg); border-bottom-color:var(--accent); font-weight:600; }
main { padding:1.2rem; max-width:1280px; margin:0 auto; }
h1 { font-size:1.4rem; margin:.2rem 0 1rem; } h2 { font-size:1.1rem; margin:1.4rem 0 .6rem; } h3 { font-size:1rem; margin:1rem 0 .4rem; }
.muted { color:var(--muted); } .big { font-size:1.1rem; margin-top:0; } blockquote { margin:.5rem 0; padding:.4rem .8rem; border-left:4px solid var(--line); background:#fafbfc; } .small { font-size:.85rem; }
.bad { color:var(--bad); } .ok { color:var(--ok); } .warn { color:var(--warn); }
.card > h2:first-child, .card > h3:first-child, .card > h1:first-child { margin-top:0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:1rem; margin-bottom:1rem; }
.grid { display:grid; gap:1rem; grid-template-columns:repeat(auto-fit,minmax(260px,1fr)); }
.stats { display:flex; flex-wrap:wrap; gap:.8rem; margin-bottom:1rem; }
.stat { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.6rem .9rem; min-width:120px; text-decoration:none; color:inherit; }
.stat b { display:block; font-size:1.3rem; }
table { border-collapse:collapse; width:100%; background:var(--card); }
th, td { text-align:left; padding:.4rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.82rem; color:var(--muted); font-weight:600; background:#fbfcfd; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
tr:focus-within { background:#f1f5ff; }
td details { display:inline-block; vertical-align:top; } summary.open { cursor:pointer; color:var(--accent); }
form.filters { display:flex; flex-wrap:wrap; gap:.6rem; align-items:flex-end; margin-bottom:1rem; }
form.filters label, form.stack label { display:flex; flex-direction:column; font-size:.82rem; color:var(--muted); gap:.2rem; }
form.stack { display:grid; gap:.7rem; max-width:720px; }
form.inline { display:inline; }
input, select, textarea, button { font:inherit; padding:.35rem .5rem; border:1px solid #b8c0cc; border-radius:6px; background:#fff; color:var(--fg); }
input[type=search] { min-width:18rem; }
textarea { width:100%; min-height:6rem; }
button, .button { cursor:pointer; background:#eef2f8; text-decoration:none; color:var(--fg); display:inline-block; padding:.35rem .8rem; border:1px solid #b8c0cc; border-radius:6px; }
button.primary { background:var(--accent); color:#fff; border-color:var(--accent); }
button.danger { background:var(--bad); color:#fff; border-color:var(--bad); }
.checkbox { flex-direction:row !important; align-items:center; }
.flash { padding:.6rem .9rem; border-radius:6px; margin-bottom:1rem; background:#e8f5ec; border:1px solid #9fd3ad; }
.flash.error { background:#fdecea; border-color:#f0a8a0; }
.confirm { border:2px solid var(--bad); }
.pager { display:flex; gap:.8rem; align-items:center; margin:.8rem 0; }
.tag { display:inline-block; background:#eef2f8; border-radius:10px; padding:0 .5rem; font-size:.8rem; margin-right:.2rem; }
.kind { display:inline-block; font-size:.78rem; padding:0 .45rem; border-radius:4px; background:#e6edf9; color:#1f3d7a; }
.status-ok, .status-done { color:var(--ok); } .status-error, .status-failed { color:var(--bad); } .status-running { color:var(--warn); }
.parts { font-size:.8rem; color:var(--muted); } .parts span { margin-right:.7rem; white-space:nowrap; }
pre { background:#0f1720; color:#e6edf3; padding:.8rem; border-radius:6px; overflow:auto; font-size:.85rem; max-height:36rem; }
pre.light { background:#f3f5f8; color:var(--fg); }
.code { display:grid; grid-template-columns:auto 1fr; background:#fff; border:1px solid var(--line); border-radius:6px; font:13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; overflow:auto; }
.code .ln { color:#98a2b3; text-align:right; padding:0 .6rem; user-select:none; border-right:1px solid var(--line); }
.code .tx { padding:0 .8rem; white-space:pre; }
.files { display:grid; grid-template-columns:minmax(220px,300px) 1fr; gap:1rem; }
.tree ul { list-style:none; padding-left:1rem; margin:0; } .tree > ul { padding-left:0; }
.tree a[aria-current=page] { font-weight:700; }
.board { display:grid; grid-template-columns:repeat(5,minmax(180px,1fr)); gap:.8rem; overflow-x:auto; }
.board section { background:#eef1f5; border-radius:8px; padding:.6rem; }
.board h2 { margin:.2rem 0 .6rem; font-size:.95rem; }
.task { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.5rem .6rem; margin-bottom:.5rem; }
.task:target { outline:3px solid #f59e0b; }
.diff td.del, .diff .del { background:#fdecea; } .diff td.add, .diff .add { background:#e8f5ec; }
.diff .line { font:13px/1.5 ui-monospace, monospace; white-space:pre-wrap; }
.timeline .bar { fill:#6b8fd6; } .timeline .bar.error { fill:#d05a4f; }
svg.chart { width:100%; height:auto; max-width:640px; display:block; }
svg.chart .bar { fill:#5b7fcf; } svg.chart .bar.bad { fill:#d05a4f; } svg.chart text { font-size:11px; fill:#5b6473; }
dl.kv { display:grid; grid-template-columns:max-content 1fr; gap:.3rem 1rem; margin:0; } dl.kv dt { color:var(--muted); } dl.kv dd { margin:0; word-break:break-word; }
kbd { color:var(--fg); border:1px solid #b8c0cc; border-bottom-width:2px; border-radius:4px; padding:0 .3rem; font-size:.8rem; background:#fff; }
dialog { border:1px solid var(--line); border-radius:8px; }
.sr-only { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
@media (max-width: 800px) { .files { grid-template-columns:1fr; } .board { grid-template-columns:repeat(5, 220px); } }
`;

export const SCRIPT = `
'use strict';
(function () {
  var pending = '';
  function typing(el) { return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable); }
  function go(sel) { var a = document.querySelector(sel); if (a) { a.click(); return true; } return false; }
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape' && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(e.target)) return;
    if (e.key === '/') { var s = document.querySelector('input[type=search]'); if (s) { e.preventDefault(); s.focus(); s.select(); } return; }
    if (e.key === '?') { var h = document.getElementById('keys'); if (h && h.showModal) { e.preventDefault(); h.open ? h.close() : h.showModal(); } return; }
    if (pending === 'g') {
      pending = '';
      var map = { a: '[data-key=agents]', o: '[data-key=overview]', m: '[data-key=memories]', f: '[data-key=files]', k: '[data-key=kv]', t: '[data-key=tasks]', c: '[data-key=actions]', b: '[data-key=branches]' };
      if (map[e.key] && go(map[e.key])) e.preventDefault();
      return;
    }
    if (e.key === 'g') { pending = 'g'; setTimeout(function () { pending = ''; }, 1200); return; }
    if (e.key === 'j' || e.key === 'k') {
      var rows = Array.prototype.slice.call(document.querySelectorAll('[data-row] .open'));
      if (!rows.length) return;
      var i = rows.indexOf(document.activeElement);
      i = e.key === 'j' ? Math.min(rows.length - 1, i + 1) : Math.max(0, i - 1);
      rows[i].focus(); e.preventDefault(); return;
    }
    if (e.key === 'n') { go('a[rel=next]'); return; }
    if (e.key === 'p') { go('a[rel=prev]'); return; }
  });
  var kb = document.getElementById('keys-button');
  if (kb) kb.addEventListener('click', function () { var h = document.getElementById('keys'); if (h && h.showModal) h.showModal(); });
  var auto = document.querySelector('[data-autofocus]');
  if (auto && !location.hash) auto.focus();
})();
`;
